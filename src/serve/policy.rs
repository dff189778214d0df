//! Roles, and the check that enforces them on a statement's logical plan.
//!
//! A role is not a convention the SQL is trusted to follow: before a statement runs, its plan is
//! walked (joins, subqueries in expressions, views) and every table it reads is checked against
//! the user's role. One forbidden table anywhere refuses the whole statement with
//! `PERMISSION_DENIED`.
//!
//! - `admin`: everything.
//! - `analyst`: reads every table and view except the audit log; changes nothing.
//! - `marketing`: reads only the relations its allow-list names (by default the audience and
//!   segment views, which apply consent themselves); changes nothing.
//! - `associate`: reads only the 360° lookup; changes nothing.
//!
//! Views are grants: a view the role may read gives access to what the view reads, as in SQL
//! databases (that is how a consent-filtering audience view exposes only contactable people). A
//! view the role may not read is transparent: the tables inside it are checked one by one. A
//! view is recognised in the plan by its body: DataFusion inlines a view as an alias over the
//! view's own plan, so a subquery aliased with a view's name counts as the view only when its plan
//! is exactly the view's plan, and then it reads exactly what the view reads.

use std::collections::HashMap;
use std::fmt;

use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{ResolvedTableReference, TableReference};
use datafusion::logical_expr::LogicalPlan;
use serde::Deserialize;

use crate::lake::catalog::CATALOG;
use crate::session::DEFAULT_SCHEMA;

/// Schema of the server's audit log; only `admin` reads it.
pub const AUDIT_SCHEMA: &str = "audit";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Analyst,
    Marketing,
    Associate,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Marketing => "marketing",
            Role::Associate => "associate",
        }
    }

    /// Whether the role may change data or the catalog (DDL, DML, COPY, SET, bulk ingest).
    pub fn can_write(self) -> bool {
        self == Role::Admin
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the restricted roles may read, from the `[roles]` section of the users file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolesConfig {
    #[serde(default = "default_marketing")]
    pub marketing: RoleGrants,
    #[serde(default = "default_associate")]
    pub associate: RoleGrants,
}

impl Default for RolesConfig {
    fn default() -> Self {
        Self {
            marketing: default_marketing(),
            associate: default_associate(),
        }
    }
}

/// Relations a role may read: `schema.name` patterns where `*` matches any run of characters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleGrants {
    pub read: Vec<String>,
}

fn default_marketing() -> RoleGrants {
    RoleGrants {
        read: vec!["analytics.audience_*".into(), "analytics.segment_*".into()],
    }
}

fn default_associate() -> RoleGrants {
    RoleGrants {
        read: vec!["analytics.customer_360*".into()],
    }
}

/// Why a statement was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied(pub String);

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Policy {
    roles: RolesConfig,
}

impl Policy {
    pub fn new(roles: RolesConfig) -> Self {
        Self { roles }
    }

    /// Whether `role` may read the table or view `name` (resolved against the lake catalog).
    pub fn can_read(&self, role: Role, name: &ResolvedTableReference) -> bool {
        if name.catalog.as_ref() != CATALOG {
            return role == Role::Admin;
        }
        match role {
            Role::Admin => true,
            Role::Analyst => name.schema.as_ref() != AUDIT_SCHEMA,
            Role::Marketing => matches_any(&self.roles.marketing.read, name),
            Role::Associate => matches_any(&self.roles.associate.read, name),
        }
    }

    /// Checks a plan against `role`. `views` maps each view the plan may reference to the plan
    /// the view stands for (see [`view_candidates`]).
    pub fn check(
        &self,
        role: Role,
        plan: &LogicalPlan,
        views: &HashMap<ResolvedTableReference, LogicalPlan>,
    ) -> Result<(), Denied> {
        if role == Role::Admin {
            return Ok(());
        }
        let mut denied = None;
        let walked = plan.apply_with_subqueries(|node| {
            let verdict = self.check_node(role, node, views);
            match verdict {
                Ok(next) => Ok(next),
                Err(reason) => {
                    denied = Some(reason);
                    Ok(TreeNodeRecursion::Stop)
                }
            }
        });
        if let Err(e) = walked {
            return Err(Denied(format!("the statement could not be checked: {e}")));
        }
        denied.map_or(Ok(()), Err)
    }

    fn check_node(
        &self,
        role: Role,
        node: &LogicalPlan,
        views: &HashMap<ResolvedTableReference, LogicalPlan>,
    ) -> Result<TreeNodeRecursion, Denied> {
        match node {
            LogicalPlan::Dml(_)
            | LogicalPlan::Ddl(_)
            | LogicalPlan::Copy(_)
            | LogicalPlan::Statement(_) => Err(Denied(format!(
                "role {role} may not change data or settings (this statement is {})",
                statement_kind(node)
            ))),
            LogicalPlan::DescribeTable(_) if role != Role::Analyst => Err(Denied(format!(
                "role {role} may not describe tables; list them through the catalog instead"
            ))),
            LogicalPlan::TableScan(scan) => {
                let name = resolve(&scan.table_name);
                if self.can_read(role, &name) {
                    Ok(TreeNodeRecursion::Continue)
                } else {
                    Err(Denied(format!(
                        "role {role} may not read {}",
                        display(&name)
                    )))
                }
            }
            LogicalPlan::SubqueryAlias(alias) => {
                let name = resolve(&alias.alias);
                let is_view = views.get(&name).is_some_and(|body| {
                    body == alias.input.as_ref()
                        || matches!(alias.input.as_ref(),
                            LogicalPlan::Projection(p) if p.input.as_ref() == body)
                });
                if is_view && self.can_read(role, &name) {
                    // A view the role may read grants what it reads.
                    Ok(TreeNodeRecursion::Jump)
                } else {
                    Ok(TreeNodeRecursion::Continue)
                }
            }
            _ => Ok(TreeNodeRecursion::Continue),
        }
    }
}

/// Names in the plan that might be views: every subquery alias. The caller looks each up in the
/// catalog and keeps those that are views, with the plan each view stands for.
pub fn view_candidates(plan: &LogicalPlan) -> Vec<ResolvedTableReference> {
    let mut names = Vec::new();
    let _ = plan.apply_with_subqueries(|node| {
        if let LogicalPlan::SubqueryAlias(alias) = node {
            names.push(resolve(&alias.alias));
        }
        Ok(TreeNodeRecursion::Continue)
    });
    names.sort_by_key(display);
    names.dedup();
    names
}

pub fn resolve(name: &TableReference) -> ResolvedTableReference {
    name.clone().resolve(CATALOG, DEFAULT_SCHEMA)
}

fn display(name: &ResolvedTableReference) -> String {
    if name.catalog.as_ref() == CATALOG {
        format!("{}.{}", name.schema, name.table)
    } else {
        name.to_string()
    }
}

fn statement_kind(plan: &LogicalPlan) -> String {
    match plan {
        LogicalPlan::Dml(dml) => format!("{} {}", dml.op, dml.table_name),
        LogicalPlan::Ddl(ddl) => ddl.name().to_string(),
        LogicalPlan::Copy(_) => "COPY".to_string(),
        LogicalPlan::Statement(statement) => statement.name().to_string(),
        other => other.display().to_string(),
    }
}

fn matches_any(patterns: &[String], name: &ResolvedTableReference) -> bool {
    let qualified = format!("{}.{}", name.schema, name.table);
    patterns.iter().any(|p| glob_match(p, &qualified))
}

/// `*` matches any run of characters (including none); everything else matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return text.is_empty();
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        // No `*` at all: the whole text must be the pattern.
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob() {
        assert!(glob_match(
            "analytics.audience_*",
            "analytics.audience_email"
        ));
        assert!(!glob_match("analytics.audience_*", "raw.audience_email"));
        assert!(glob_match("*.x", "raw.x"));
        assert!(glob_match("a*b*c", "abc"));
        assert!(glob_match("a*b*c", "a-b-b-c"));
        assert!(!glob_match("a*b*c", "a-c"));
        assert!(glob_match("raw.t", "raw.t"));
        assert!(!glob_match("raw.t", "raw.tt"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("ab*ba", "aba"));
    }

    #[test]
    fn reads_by_role() {
        let policy = Policy::default();
        let raw = resolve(&TableReference::from("raw.customer_records"));
        let audience = resolve(&TableReference::from("audience_email"));
        let audit = resolve(&TableReference::from("audit.queries"));
        assert!(policy.can_read(Role::Admin, &audit));
        assert!(policy.can_read(Role::Analyst, &raw));
        assert!(!policy.can_read(Role::Analyst, &audit));
        assert!(policy.can_read(Role::Marketing, &audience));
        assert!(!policy.can_read(Role::Marketing, &raw));
        assert!(!policy.can_read(Role::Associate, &raw));
        assert!(!Role::Analyst.can_write());
        assert!(Role::Admin.can_write());
    }
}
