"""Checks `amigo serve` with the real ADBC Flight SQL driver, as pandas/polars/Superset use it.

Run by tests/adbc_flight_sql.rs against a server it started:

    python check_flight_sql.py grpc://127.0.0.1:PORT PASSWORD

The lake holds raw.people (3 rows), analytics.scores, and the views analytics.audience_email
(granted to marketing) and analytics.people_copy; users admin_user, analyst_user and
marketing_user share PASSWORD. Every check asserts; the first failure exits non-zero with the
check's name. The last line is `ok: N checks`.
"""

import sys
import threading
import traceback

import adbc_driver_flightsql.dbapi as flight_sql
import adbc_driver_manager
import pyarrow as pa

URI = sys.argv[1]
PASSWORD = sys.argv[2]
CHECKS = []


def check(function):
    CHECKS.append(function)
    return function


def connect(user, password=PASSWORD):
    return flight_sql.connect(URI, db_kwargs={"username": user, "password": password})


def expect_error(function, *fragments):
    """Runs function, which must raise an ADBC error whose text holds every fragment."""
    try:
        function()
    except adbc_driver_manager.Error as error:
        text = str(error)
        for fragment in fragments:
            assert fragment in text, f"{fragment!r} not in error: {text}"
        return error
    raise AssertionError(f"no error; expected one with {fragments}")


@check
def get_info(conn):
    info = conn.adbc_get_info()
    assert info["vendor_name"] == "amigo", info
    assert info["vendor_version"], info
    assert info["vendor_arrow_version"] == "59", info
    assert info["driver_name"].startswith("ADBC Flight SQL"), info


@check
def get_objects_at_every_depth(conn):
    catalogs = conn.adbc_get_objects(depth="catalogs").read_all().to_pylist()
    assert [c["catalog_name"] for c in catalogs] == ["amigo"], catalogs

    schemas = conn.adbc_get_objects(depth="db_schemas").read_all().to_pylist()
    names = {s["db_schema_name"] for s in schemas[0]["catalog_db_schemas"]}
    assert {"raw", "analytics", "unified"} <= names, names

    tables = conn.adbc_get_objects(depth="tables").read_all().to_pylist()
    found = {
        (s["db_schema_name"], t["table_name"], t["table_type"])
        for s in tables[0]["catalog_db_schemas"]
        for t in s["db_schema_tables"] or []
    }
    assert ("raw", "people", "TABLE") in found, found
    assert ("analytics", "audience_email", "VIEW") in found, found

    columns = conn.adbc_get_objects(
        depth="columns", db_schema_filter="raw", table_name_filter="people"
    ).read_all().to_pylist()
    people = [
        t
        for s in columns[0]["catalog_db_schemas"]
        for t in s["db_schema_tables"]
        if t["table_name"] == "people"
    ]
    assert len(people) == 1, columns
    assert [c["column_name"] for c in people[0]["table_columns"]] == ["id", "email", "name"]

    everything = conn.adbc_get_objects(depth="all").read_all()
    assert everything.num_rows == 1


@check
def get_table_schema(conn):
    schema = conn.adbc_get_table_schema("people", db_schema_filter="raw")
    assert schema.names == ["id", "email", "name"], schema
    assert schema.field("id").type == pa.int64(), schema
    assert schema.field("email").type == pa.string(), schema  # plain Utf8, not string_view


@check
def query_with_exact_values(conn):
    with conn.cursor() as cur:
        cur.execute(
            "SELECT p.id, p.name, s.score FROM raw.people p JOIN analytics.scores s"
            " ON p.id = s.id ORDER BY p.id"
        )
        table = cur.fetch_arrow_table()
    assert table.column("name").type == pa.string(), table.schema
    assert table.to_pylist() == [
        {"id": 1, "name": "Ana", "score": 0.5},
        {"id": 2, "name": "Bob", "score": 0.25},
        {"id": 3, "name": "Chloé", "score": 1.0},
    ], table.to_pylist()


@check
def bad_sql_then_a_good_query_on_the_same_connection(conn):
    with conn.cursor() as cur:
        error = expect_error(lambda: cur.execute("SELEC 1"), "SELEC")
        assert isinstance(error, adbc_driver_manager.ProgrammingError), type(error)
        expect_error(lambda: cur.execute("SELECT * FROM raw.nope"), "not found")
        cur.execute("SELECT count(*) AS n FROM raw.people")
        assert cur.fetchall() == [(3,)]


@check
def prepared_statement_with_a_bound_parameter(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT name FROM raw.people WHERE id = ?", (2,))
        assert cur.fetchall() == [("Bob",)]
        cur.execute("SELECT name FROM raw.people WHERE id = ?", (3,))
        assert cur.fetchall() == [("Chloé",)]
        cur.execute("SELECT name FROM raw.people WHERE id = $1", (1,))
        assert cur.fetchall() == [("Ana",)]
        cur.execute("SELECT ? AS greeting", ("bonjour",))
        assert cur.fetchall() == [("bonjour",)]


@check
def bulk_ingest_then_read_back(conn):
    data = pa.table(
        {
            "id": pa.array([10, 20, 30], pa.int64()),
            "label": pa.array(["a", None, "c"], pa.string()),
        }
    )
    with conn.cursor() as cur:
        rows = cur.adbc_ingest("labels", data, mode="create", db_schema_name="analytics")
        assert rows == 3, rows
        cur.adbc_ingest("labels", data, mode="append", db_schema_name="analytics")
        expect_error(
            lambda: cur.adbc_ingest("labels", data, mode="create", db_schema_name="analytics"),
            "already exists",
        )
        cur.execute("SELECT id, label FROM analytics.labels ORDER BY id, label NULLS LAST")
        assert cur.fetchall() == [
            (10, "a"), (10, "a"), (20, None), (20, None), (30, "c"), (30, "c")
        ]


@check
def statements_that_change_data(conn):
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE analytics.adbc_t AS SELECT 1 AS x")
        cur.execute("INSERT INTO analytics.adbc_t VALUES (2), (3)")
        cur.execute("SELECT sum(x) AS s FROM analytics.adbc_t")
        assert cur.fetchall() == [(6,)]


@check
def sixteen_concurrent_clients(conn):
    errors = []

    def client(i):
        try:
            with connect("analyst_user") as c, c.cursor() as cur:
                for _ in range(5):
                    cur.execute(f"SELECT count(*) + {i} AS n FROM raw.people")
                    assert cur.fetchall() == [(3 + i,)]
        except Exception:  # noqa: BLE001 - reported below
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=client, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]


@check
def wrong_password_refused(conn):
    def login():
        with connect("analyst_user", "wrong") as c, c.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchall()

    expect_error(login, "UNAUTHENTICATED")


@check
def marketing_denied_a_raw_table_even_through_a_join_or_view(conn):
    with connect("marketing_user") as c, c.cursor() as cur:
        cur.execute("SELECT email FROM analytics.audience_email ORDER BY id")
        assert cur.fetchall() == [("ana@example.com",), ("chloé@example.com",)]
        for sql in [
            "SELECT * FROM raw.people",
            "SELECT a.email, p.name FROM analytics.audience_email a"
            " JOIN raw.people p ON a.id = p.id",
            "SELECT * FROM analytics.people_copy",
        ]:
            error = expect_error(lambda: cur.execute(sql), "may not read")
            assert "(PermissionDenied;" in str(error), error  # the gRPC code, as ADBC reports it
        # Marketing sees only what it may read.
        objects = c.adbc_get_objects(depth="tables").read_all().to_pylist()
        tables = {
            t["table_name"]
            for cat in objects
            for s in cat["catalog_db_schemas"]
            for t in s["db_schema_tables"] or []
        }
        assert tables == {"audience_email"}, tables


def main():
    with connect("admin_user") as conn:
        for function in CHECKS:
            try:
                function(conn)
            except Exception:
                print(f"FAILED {function.__name__}")
                traceback.print_exc()
                sys.exit(1)
            print(f"passed {function.__name__}")
    print(f"ok: {len(CHECKS)} checks")


if __name__ == "__main__":
    main()
