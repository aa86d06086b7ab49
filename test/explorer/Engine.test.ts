import { assert, describe, it } from "@effect/vitest"
import BetterSqlite3 from "better-sqlite3"
import * as path from "node:path"
import * as Engine from "../../src/explorer/Engine.js"
import { type Value, writer } from "../../src/explorer/Formats.js"
import { writeRows } from "../../src/explorer/Stream.js"
import { tempDir } from "../layers/harness.js"
import { Writable } from "node:stream"

const fixture = () => {
  const file = path.join(tempDir(), "x.db")
  const db = new BetterSqlite3(file)
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b')")
  db.close()
  return Engine.open(file)
}

const refusal = (db: BetterSqlite3.Database, sql: string) => {
  try {
    Engine.prepare(db, sql)
    return "allowed"
  } catch (error) {
    return (error as Error).message
  }
}

describe("Engine", () => {
  it("refuses writes, ATTACH and setting-changing pragmas", () => {
    const db = fixture()

    for (const sql of ["DELETE FROM t", "INSERT INTO t VALUES (3, 'c')", "DROP TABLE t", "CREATE TABLE u (x)"]) {
      assert.include(refusal(db, sql), "would write", sql)
    }
    assert.include(refusal(db, "ATTACH 'other.db' AS o"), "ATTACH and DETACH are not allowed")
    assert.include(refusal(db, "PRAGMA journal_mode = DELETE"), "only reading pragmas")
    assert.include(refusal(db, "pragma main.user_version=3"), "only reading pragmas")
    assert.include(refusal(db, "PRAGMA wal_checkpoint(TRUNCATE)"), "only reading pragmas")
    assert.strictEqual(refusal(db, "PRAGMA table_info(t)"), "allowed")
    assert.strictEqual(refusal(db, "PRAGMA journal_mode"), "allowed")
    assert.strictEqual(refusal(db, "EXPLAIN DELETE FROM t"), "allowed")
    assert.strictEqual(refusal(db, "SELECT * FROM t"), "allowed")
  })

  it("binds named parameters with numbers as numbers", () => {
    const db = fixture()
    const params = Object.fromEntries(["id=2", "label=text:007", "nothing=null"].map(Engine.parseParam))

    const rows = [...Engine.prepare(db, "SELECT name, :label AS label, :nothing AS n FROM t WHERE id = :id", params).rows()]

    assert.deepStrictEqual(rows, [["b", "007", null]])
    assert.deepStrictEqual(Engine.parseParam("big=9007199254740993"), ["big", 9007199254740993n])
    assert.deepStrictEqual(Engine.parseParam("r=2.5"), ["r", 2.5])
    const odd = Object.fromEntries(["é=1", "a(=2", "ab=3"].map(Engine.parseParam))
    assert.deepStrictEqual([...Engine.prepare(db, "SELECT :é AS e, :ab AS ab", odd).rows()], [[1n, 3n]])
  })

  it("splits scripts at semicolons outside quotes and comments", () => {
    const script = "SELECT 'a;b'; -- c;\nSELECT \"x;\" /* ; */ FROM t;\n\n;  SELECT 3"

    assert.deepStrictEqual(Engine.split(script), ["SELECT 'a;b';", "-- c;\nSELECT \"x;\" /* ; */ FROM t;", "SELECT 3"])
    assert.isTrue(Engine.isComplete("SELECT 1\n;"))
    assert.isFalse(Engine.isComplete("SELECT ';'"))
    assert.isFalse(Engine.isComplete("SELECT 1 -- ;"))
  })

  it("streams a large result in bounded chunks, writing before it has read it all", async () => {
    const db = fixture()
    const prepared = Engine.prepare(
      db,
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) SELECT x, 'row ' || x FROM c"
    )
    let pulled = 0
    let pulledAtFirstWrite = -1
    let biggest = 0
    let writes = 0
    const rows = (function*() {
      for (const row of prepared.rows()) {
        pulled++
        yield row as ReadonlyArray<Value>
      }
    })()
    const sink = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, done) {
        if (pulledAtFirstWrite < 0) pulledAtFirstWrite = pulled
        biggest = Math.max(biggest, chunk.length)
        writes++
        setImmediate(done)
      }
    })

    const result = await writeRows(rows, writer("csv", ["x", "label"]), sink)

    assert.strictEqual(result.rows, 1_000_000)
    assert.isBelow(pulledAtFirstWrite, 10_000)
    assert.isAbove(writes, 100)
    assert.isBelow(biggest, 70 * 1024)
  })
})
