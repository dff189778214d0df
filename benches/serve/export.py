"""The Python side of `amigo bench serve`: one table exported three ways, timed in one process.

  local   pyarrow.parquet.read_table over the table's Parquet files (the reference: what a
          client on the server's machine would get by reading the lake directly)
  adbc    the ADBC Flight SQL driver: cursor.execute(sql) then cursor.fetch_arrow_table()
  flight  pyarrow.flight, raw Flight SQL: GetFlightInfo(CommandStatementQuery) then DoGet of
          every endpoint, read_all()

Each run times the three in turn (so machine noise hits all of them alike); the best run of
each is what the Rust side reports. Prints one JSON object on stdout.

usage: export.py URI SQL FILES_LIST RUNS
  FILES_LIST: a text file naming the table's Parquet files, one path a line
"""

import json
import sys
import time

import adbc_driver_flightsql.dbapi as flight_sql
import pyarrow.flight as flight
import pyarrow.parquet as pq


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def length_delimited(field, payload):
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def statement_query_command(sql):
    """A Flight SQL CommandStatementQuery wrapped in google.protobuf.Any, encoded by hand:
    pyarrow.flight speaks Flight, not the Flight SQL messages on top of it."""
    query = length_delimited(1, sql.encode())
    type_url = b"type.googleapis.com/arrow.flight.protocol.sql.CommandStatementQuery"
    return length_delimited(1, type_url) + length_delimited(2, query)


def read_local(files, _uri, _sql):
    return pq.read_table(files)


def read_adbc(_files, uri, sql):
    with flight_sql.connect(uri) as conn:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetch_arrow_table()


def read_flight(_files, uri, sql):
    client = flight.connect(uri)
    try:
        descriptor = flight.FlightDescriptor.for_command(statement_query_command(sql))
        info = client.get_flight_info(descriptor)
        tables = [client.do_get(endpoint.ticket).read_all() for endpoint in info.endpoints]
    finally:
        client.close()
    if len(tables) == 1:
        return tables[0]
    import pyarrow as pa

    return pa.concat_tables(tables)


WAYS = [("local", read_local), ("adbc", read_adbc), ("flight", read_flight)]


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    uri, sql, files_list, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    with open(files_list, encoding="utf-8") as f:
        files = [line.strip() for line in f if line.strip()]
    results = {name: {"seconds": []} for name, _ in WAYS}
    for _ in range(runs):
        for name, read in WAYS:
            started = time.perf_counter()
            table = read(files, uri, sql)
            seconds = time.perf_counter() - started
            result = results[name]
            result["seconds"].append(seconds)
            result["rows"] = table.num_rows
            result["arrow_bytes"] = table.nbytes
            result["schema"] = [f"{field.name}: {field.type}" for field in table.schema]
            del table
    print(json.dumps(results))


if __name__ == "__main__":
    main()
