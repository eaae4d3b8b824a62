// node-postgres (npm `pg`) against a server: parameterized queries, a named (server-side
// prepared) statement, transactions and a pool. Prints one JSON object for
// tests/clients/test_node_pg.py. Usage: node pg_client.js HOST PORT
'use strict';
const { Client, Pool } = require('pg');

const [host, port] = process.argv.slice(2);
const config = { host, port: Number(port), user: 'postgres', database: 'postgres', ssl: false };

// Dates as the server's text, so the Python side compares strings, not JS Date objects.
const isoDay = (d) => d.toISOString().slice(0, 10);

async function main() {
  const out = {};
  const client = new Client(config);
  await client.connect();
  try {
    out.server_version = (await client.query('SHOW server_version')).rows[0].server_version;
    await client.query('DROP TABLE IF EXISTS clients_node_items');
    await client.query(`CREATE TABLE clients_node_items (id int PRIMARY KEY, name text, qty int,
      tags text[], scores int[], born date, note text)`);

    // Parameters: node-postgres sends every value as text with type OID 0; arrays become '{...}'
    // literals and Dates timestamps with a UTC offset.
    const insert = 'INSERT INTO clients_node_items (id, name, qty, tags, scores, born, note) '
      + 'VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id';
    const inserted = [];
    inserted.push((await client.query(insert,
      [1, 'alpha', 10, ['x', 'y z'], [1, 2, 3], new Date(Date.UTC(2024, 4, 1)), null])).rows[0].id);
    inserted.push((await client.query(insert,
      [2, "O'Brien \"q\"", -5, [], [], '1999-12-31', 'has note'])).rows[0].id);
    inserted.push((await client.query(insert, [3, null, null, null, null, null, null])).rows[0].id);
    out.inserted = inserted;

    const rows = (await client.query(
      'SELECT id, name, qty, tags, scores, born, note FROM clients_node_items ORDER BY id')).rows;
    out.rows = rows.map((r) => ({ ...r, born: r.born === null ? null : isoDay(r.born) }));

    out.filtered = (await client.query(
      'SELECT id FROM clients_node_items WHERE qty > $1 AND name LIKE $2 ORDER BY id', [0, 'al%'])).rows;
    out.any_array = (await client.query(
      'SELECT id FROM clients_node_items WHERE id = ANY($1::int[]) ORDER BY id', [[2, 3]])).rows.map((r) => r.id);
    out.is_null = (await client.query('SELECT $1::text IS NULL AS n, $2::int + 1 AS plus', [null, 41])).rows[0];
    out.date_param = (await client.query(
      "SELECT $1::date + 1 AS next_day, to_char($1::date, 'YYYY-MM-DD') AS day",
      [new Date(Date.UTC(2024, 1, 28))])).rows.map((r) => ({ next_day: isoDay(r.next_day), day: r.day }))[0];

    // A named query: Parse once as "by_id", then Bind/Execute on every later use.
    const named = [];
    for (const id of [1, 2, 3, 1]) {
      named.push((await client.query({ name: 'by_id', text: 'SELECT name FROM clients_node_items WHERE id = $1',
        values: [id] })).rows[0].name);
    }
    out.named = named;

    // Transactions: a committed one and a rolled-back one.
    await client.query('BEGIN');
    await client.query('UPDATE clients_node_items SET qty = qty + $1 WHERE id = $2', [5, 1]);
    await client.query('COMMIT');
    await client.query('BEGIN');
    await client.query('DELETE FROM clients_node_items WHERE id = $1', [2]);
    await client.query('ROLLBACK');
    out.after_tx = (await client.query('SELECT id, qty FROM clients_node_items ORDER BY id')).rows;

    // An error inside a transaction aborts it (25P02) until ROLLBACK.
    await client.query('BEGIN');
    out.errors = [];
    for (const sql of ['SELECT 1/0', 'SELECT 1']) {
      try { await client.query(sql); } catch (e) { out.errors.push(e.code); }
    }
    await client.query('ROLLBACK');
    out.update_count = (await client.query('UPDATE clients_node_items SET note = $1 WHERE id <= $2',
      ['n', 2])).rowCount;
  } finally {
    await client.end();
  }

  const pool = new Pool({ ...config, max: 3 });
  try {
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => pool.query('SELECT $1::int * 2 AS v', [i])));
    out.pool = results.map((r) => r.rows[0].v);
  } finally {
    await pool.end();
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n${JSON.stringify({ code: e.code, message: e.message })}\n`);
  process.exit(1);
});
