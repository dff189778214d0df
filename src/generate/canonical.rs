//! The canonical tables as Arrow record batches.
//!
//! Each builder walks the table's columns as `schemas/canonical/*.toml` defines them and matches
//! on the column name: the TOML decides which columns exist and in which order, and a column the
//! generator does not know is an error rather than a silent gap. `RecordBatch::try_new` then
//! checks types and that NOT NULL columns hold no nulls.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Date32Array, Decimal128Array, Int32Array, StringArray, TimestampMicrosecondArray,
};
use arrow::record_batch::RecordBatch;

use super::activity::{self, ChunkData, PURPOSES, STATUSES};
use super::catalog::STORES;
use super::native;
use super::people::ChunkPersons;
use super::records::{self, Source};
use super::{Counters, GenerateError, World};
use crate::model::TableDef;

fn strings<'a>(values: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(StringArray::from_iter(values))
}

fn owned(values: Vec<Option<String>>) -> ArrayRef {
    Arc::new(StringArray::from_iter(values))
}

fn timestamps(values: impl Iterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(
        TimestampMicrosecondArray::from_iter(values.map(|v| v.map(|s| s * 1_000_000)))
            .with_timezone(crate::model::UTC),
    )
}

fn dates(values: impl Iterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(Date32Array::from_iter(values.map(|v| v.map(|d| d as i32))))
}

fn int32(values: impl Iterator<Item = i32>) -> ArrayRef {
    Arc::new(Int32Array::from_iter_values(values))
}

fn money(def: &TableDef, values: impl Iterator<Item = i64>) -> Result<ArrayRef, GenerateError> {
    Decimal128Array::from_iter_values(values.map(i128::from))
        .with_precision_and_scale(18, 2)
        .map(|a| Arc::new(a) as ArrayRef)
        .map_err(|source| GenerateError::Arrow {
            table: def.table_name().to_string(),
            source,
        })
}

fn unknown(def: &TableDef, column: &str) -> GenerateError {
    GenerateError::UnknownColumn {
        table: def.table_name().to_string(),
        column: column.to_string(),
    }
}

fn batch(def: &TableDef, columns: Vec<ArrayRef>) -> Result<RecordBatch, GenerateError> {
    RecordBatch::try_new(def.arrow_schema(), columns).map_err(|source| GenerateError::Arrow {
        table: def.table_name().to_string(),
        source,
    })
}

/// Builds a batch column by column, in the model's order.
fn build(
    def: &TableDef,
    mut column: impl FnMut(&str) -> Result<Option<ArrayRef>, GenerateError>,
) -> Result<RecordBatch, GenerateError> {
    let mut arrays = Vec::with_capacity(def.columns.len());
    for c in &def.columns {
        match column(&c.name)? {
            Some(a) => arrays.push(a),
            None => return Err(unknown(def, &c.name)),
        }
    }
    batch(def, arrays)
}

/// Products, stores or associates.
pub fn static_batch(world: &World, def: &TableDef) -> Result<RecordBatch, GenerateError> {
    match def.name.as_str() {
        "products" => {
            let p = &world.catalog.products;
            build(def, |name| {
                Ok(Some(match name {
                    "sku" => strings(p.iter().map(|x| Some(x.sku.as_str()))),
                    "style_code" => strings(p.iter().map(|x| Some(x.style_code.as_str()))),
                    "name" => strings(p.iter().map(|x| Some(x.name.as_str()))),
                    "category" => strings(p.iter().map(|x| Some(x.category.code()))),
                    "subcategory" => strings(p.iter().map(|x| Some(x.subcategory))),
                    "collection" => strings(p.iter().map(|x| Some(x.collection))),
                    "season" => strings(p.iter().map(|x| Some(x.season.as_str()))),
                    "color" => strings(p.iter().map(|x| Some(x.color))),
                    "size" => strings(p.iter().map(|x| Some(x.size))),
                    "price" => money(def, p.iter().map(|x| x.price_eur))?,
                    "currency" => strings(p.iter().map(|_| Some("EUR"))),
                    "launched_on" => dates(p.iter().map(|x| Some(x.launched))),
                    _ => return Ok(None),
                }))
            })
        }
        "stores" => {
            let s = &STORES;
            let managers: Vec<Option<String>> = (0..s.len())
                .map(|i| native::manager(world, i as u8).map(|a| a.id.clone()))
                .collect();
            build(def, |name| {
                Ok(Some(match name {
                    "store_id" => strings(s.iter().map(|x| Some(x.id))),
                    "name" => strings(s.iter().map(|x| Some(x.name))),
                    "address_line1" => strings(s.iter().map(|x| Some(x.address))),
                    "postal_code" => strings(s.iter().map(|x| Some(x.postal_code))),
                    "city" => strings(s.iter().map(|x| Some(x.city))),
                    "country" => strings(s.iter().map(|x| Some(x.country.iso2()))),
                    "region" => strings(s.iter().map(|x| Some(x.region()))),
                    "timezone" => strings(s.iter().map(|x| Some(x.tz.name()))),
                    "currency" => strings(s.iter().map(|x| Some(x.currency.code()))),
                    "phone" => strings(s.iter().map(|x| Some(x.phone))),
                    "email" => strings(s.iter().map(|x| Some(x.email))),
                    "opening_hours" => strings(s.iter().map(|x| Some(x.opening_hours))),
                    "manager_associate_id" => owned(managers.clone()),
                    "opened_on" => dates(s.iter().map(|x| Some(world.as_of - x.age_days))),
                    _ => return Ok(None),
                }))
            })
        }
        "associates" => {
            let a = &world.associates;
            build(def, |name| {
                Ok(Some(match name {
                    "associate_id" => strings(a.iter().map(|x| Some(x.id.as_str()))),
                    "store_id" => strings(a.iter().map(|x| Some(STORES[usize::from(x.store)].id))),
                    "first_name" => strings(a.iter().map(|x| Some(x.first_name.as_str()))),
                    "last_name" => strings(a.iter().map(|x| Some(x.last_name.as_str()))),
                    "email" => strings(a.iter().map(|x| Some(x.email.as_str()))),
                    "role" => strings(a.iter().map(|x| Some(x.role.code()))),
                    "hired_on" => dates(a.iter().map(|x| Some(x.hired_on))),
                    "left_on" => dates(a.iter().map(|x| x.left_on)),
                    _ => return Ok(None),
                }))
            })
        }
        other => Err(GenerateError::Model(format!(
            "raw.{other} is not a static table of the generator"
        ))),
    }
}

/// The per-chunk tables, in the order of `defs` (customer records, orders, order lines,
/// consent events, interactions, ground truth).
pub fn chunk_batches(
    world: &World,
    persons: &ChunkPersons,
    data: &ChunkData,
    base: &Counters,
    defs: &[&TableDef],
) -> Result<Vec<RecordBatch>, GenerateError> {
    defs.iter()
        .map(|def| match def.name.as_str() {
            "customer_records" => customer_records(def, data),
            "orders" => orders(world, def, data),
            "order_lines" => order_lines(world, def, data),
            "consent_events" => consent_events(def, data, base),
            "interactions" => interactions(world, def, data, base),
            "ground_truth" => ground_truth(def, persons, data),
            other => Err(GenerateError::Model(format!(
                "raw.{other} is not a per-chunk table of the generator"
            ))),
        })
        .collect()
}

fn customer_records(def: &TableDef, data: &ChunkData) -> Result<RecordBatch, GenerateError> {
    let r = &data.records;
    build(def, |name| {
        Ok(Some(match name {
            "source_system" => strings(r.iter().map(|x| Some(x.source.code()))),
            "source_id" => strings(r.iter().map(|x| Some(x.id.as_str()))),
            "civility" => strings(r.iter().map(|x| x.civility)),
            "first_name" => strings(r.iter().map(|x| x.first_name.as_deref())),
            "last_name" => strings(r.iter().map(|x| x.last_name.as_deref())),
            "email" => strings(r.iter().map(|x| x.email.as_deref())),
            "phone" => strings(r.iter().map(|x| x.phone.as_deref())),
            "birth_date" => dates(r.iter().map(|x| x.birth)),
            "address_line1" => strings(r.iter().map(|x| x.line1.as_deref())),
            "address_line2" => strings(r.iter().map(|x| x.line2.as_deref())),
            "postal_code" => strings(r.iter().map(|x| x.postcode.as_deref())),
            "city" => strings(r.iter().map(|x| x.city.as_deref())),
            "region" => strings(r.iter().map(|x| x.region)),
            "country" => strings(r.iter().map(|x| x.country.as_deref())),
            "preferred_language" => strings(r.iter().map(|x| x.language)),
            "preferred_store_id" => strings(r.iter().map(|x| {
                x.store
                    .map(|s| STORES[usize::from(s).min(STORES.len() - 1)].id)
            })),
            "origin_channel" => strings(r.iter().map(|x| Some(x.origin.code()))),
            "created_at" => timestamps(r.iter().map(|x| Some(x.created))),
            "updated_at" => timestamps(r.iter().map(|x| Some(x.updated))),
            _ => return Ok(None),
        }))
    })
}

fn orders(world: &World, def: &TableDef, data: &ChunkData) -> Result<RecordBatch, GenerateError> {
    let o = &data.orders;
    let ids: Vec<(String, String)> = o.iter().map(native::order_ids).collect();
    build(def, |name| {
        Ok(Some(match name {
            "source_system" => strings(o.iter().map(|x| Some(x.source.code()))),
            "order_id" => strings(ids.iter().map(|x| Some(x.0.as_str()))),
            "order_number" => strings(ids.iter().map(|x| Some(x.1.as_str()))),
            "customer_source_id" => strings(
                o.iter()
                    .map(|x| x.record.map(|r| data.records[r as usize].id.as_str())),
            ),
            "store_id" => strings(o.iter().map(|x| {
                x.store
                    .map(|s| STORES[usize::from(s).min(STORES.len() - 1)].id)
            })),
            "associate_id" => strings(o.iter().map(|x| {
                x.associate
                    .map(|a| world.associates[a as usize].id.as_str())
            })),
            "channel" => strings(o.iter().map(|x| {
                Some(if x.source == Source::Cegid {
                    "store"
                } else {
                    "ecommerce"
                })
            })),
            "status" => strings(o.iter().map(|x| Some(x.status.code()))),
            "ordered_at" => timestamps(o.iter().map(|x| Some(x.at))),
            "currency" => strings(o.iter().map(|x| Some(x.currency.code()))),
            "subtotal_amount" => money(def, o.iter().map(|x| x.subtotal))?,
            "discount_amount" => money(def, o.iter().map(|x| x.discount))?,
            "shipping_amount" => money(def, o.iter().map(|x| x.shipping))?,
            "tax_amount" => money(def, o.iter().map(|x| x.tax))?,
            "total_amount" => money(def, o.iter().map(|x| x.total))?,
            _ => return Ok(None),
        }))
    })
}

fn order_lines(
    world: &World,
    def: &TableDef,
    data: &ChunkData,
) -> Result<RecordBatch, GenerateError> {
    let mut order_of: Vec<u32> = Vec::with_capacity(data.lines.len());
    let mut line_no: Vec<i32> = Vec::with_capacity(data.lines.len());
    let mut index: Vec<u32> = Vec::with_capacity(data.lines.len());
    for (o, order) in data.orders.iter().enumerate() {
        for (k, l) in (order.lines.0..order.lines.1).enumerate() {
            order_of.push(o as u32);
            line_no.push(k as i32 + 1);
            index.push(l);
        }
    }
    let ids: Vec<String> = data.orders.iter().map(|o| native::order_ids(o).0).collect();
    let lines = &data.lines;
    let products = &world.catalog.products;
    build(def, |name| {
        Ok(Some(match name {
            "source_system" => strings(
                order_of
                    .iter()
                    .map(|&o| Some(data.orders[o as usize].source.code())),
            ),
            "order_id" => strings(order_of.iter().map(|&o| Some(ids[o as usize].as_str()))),
            "line_number" => int32(line_no.iter().copied()),
            "sku" => strings(
                index
                    .iter()
                    .map(|&l| Some(products[lines[l as usize].product as usize].sku.as_str())),
            ),
            "product_name" => strings(
                index
                    .iter()
                    .map(|&l| Some(products[lines[l as usize].product as usize].name.as_str())),
            ),
            "quantity" => int32(index.iter().map(|&l| lines[l as usize].quantity)),
            "unit_price" => money(def, index.iter().map(|&l| lines[l as usize].unit_price))?,
            "discount_amount" => money(def, index.iter().map(|&l| lines[l as usize].discount))?,
            "line_total" => money(def, index.iter().map(|&l| lines[l as usize].total))?,
            "currency" => strings(
                order_of
                    .iter()
                    .map(|&o| Some(data.orders[o as usize].currency.code())),
            ),
            _ => return Ok(None),
        }))
    })
}

/// Ids numbered per source in chunk order, continuing from the counts of earlier chunks.
fn numbered_ids<C: Copy + std::ops::IndexMut<usize, Output = u64>>(
    data: &ChunkData,
    records: impl Iterator<Item = u32>,
    mut counters: C,
    make_id: impl Fn(Source, u64) -> String,
) -> Vec<String> {
    records
        .map(|record| {
            let source = data.records[record as usize].source;
            counters[source as usize] += 1;
            make_id(source, counters[source as usize])
        })
        .collect()
}

fn consent_events(
    def: &TableDef,
    data: &ChunkData,
    base: &Counters,
) -> Result<RecordBatch, GenerateError> {
    let e = &data.events;
    let ids = numbered_ids(
        data,
        e.iter().map(|x| x.record),
        base.events,
        native::event_id,
    );
    let rec = |x: &activity::ConsentEvent| &data.records[x.record as usize];
    build(def, |name| {
        Ok(Some(match name {
            "source_system" => strings(e.iter().map(|x| Some(rec(x).source.code()))),
            "event_id" => strings(ids.iter().map(|s| Some(s.as_str()))),
            "customer_source_id" => strings(e.iter().map(|x| Some(rec(x).id.as_str()))),
            "channel" => strings(
                e.iter()
                    .map(|x| Some(activity::CHANNELS[usize::from(x.channel)])),
            ),
            "purpose" => strings(e.iter().map(|x| Some(PURPOSES[usize::from(x.purpose)]))),
            "status" => strings(e.iter().map(|x| Some(STATUSES[usize::from(x.status)]))),
            "recorded_at" => timestamps(e.iter().map(|x| Some(x.at))),
            "collection_point" => strings(e.iter().map(|x| Some(x.point))),
            _ => return Ok(None),
        }))
    })
}

fn interactions(
    world: &World,
    def: &TableDef,
    data: &ChunkData,
    base: &Counters,
) -> Result<RecordBatch, GenerateError> {
    let it = &data.interactions;
    let ids = numbered_ids(
        data,
        it.iter().map(|x| x.record),
        base.interactions,
        native::interaction_id,
    );
    let rec = |x: &activity::Interaction| &data.records[x.record as usize];
    build(def, |name| {
        Ok(Some(match name {
            "source_system" => strings(it.iter().map(|x| Some(rec(x).source.code()))),
            "interaction_id" => strings(ids.iter().map(|s| Some(s.as_str()))),
            "customer_source_id" => strings(it.iter().map(|x| Some(rec(x).id.as_str()))),
            "type" => strings(it.iter().map(|x| Some(x.kind.code()))),
            "channel" => strings(it.iter().map(|x| Some(x.kind.channel()))),
            "campaign" => strings(it.iter().map(|x| {
                x.campaign
                    .map(|c| world.campaigns.codes[c as usize].as_str())
            })),
            "store_id" => strings(it.iter().map(|x| {
                x.store
                    .map(|s| STORES[usize::from(s).min(STORES.len() - 1)].id)
            })),
            "occurred_at" => timestamps(it.iter().map(|x| Some(x.at))),
            _ => return Ok(None),
        }))
    })
}

fn ground_truth(
    def: &TableDef,
    persons: &ChunkPersons,
    data: &ChunkData,
) -> Result<RecordBatch, GenerateError> {
    let r = &data.records;
    let person = |x: &records::Record| &persons.persons[x.person as usize];
    build(def, |name| {
        Ok(Some(match name {
            "source_system" => strings(r.iter().map(|x| Some(x.source.code()))),
            "source_id" => strings(r.iter().map(|x| Some(x.id.as_str()))),
            "person_id" => owned(
                r.iter()
                    .map(|x| Some(native::person_id(data.first_person + u64::from(x.person))))
                    .collect(),
            ),
            "corruptions" => owned(r.iter().map(|x| records::labels(x.corruptions)).collect()),
            "homonym_group" => owned(
                r.iter()
                    .map(|x| person(x).homonym_group.map(native::homonym_id))
                    .collect(),
            ),
            "household_id" => owned(
                r.iter()
                    .map(|x| person(x).household_id.map(native::household_id))
                    .collect(),
            ),
            _ => return Ok(None),
        }))
    })
}
