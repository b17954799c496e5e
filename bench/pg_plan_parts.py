"""PostgreSQL's planning time for the one ingest statement (IngestRepository+OneStatement), and
how it grows part by part: the statement is taken from a statement log written with
log_min_duration_statement=0 (bench/pg-plan-parts writes one), prepared in DATABASE_URL (an
empty database with Chorus's schema) with its logged parameters, and planned again and again as
a custom plan — each time with its WITH clauses cut after the first k (EXPLAIN without ANALYZE:
nothing is executed). Then the database is given the statement's channel and customers (among
5,000, with 100,000 messages) and the whole statement is run, each time in a transaction rolled
back, as a custom plan (planned on every call, as Chorus runs it today) and as a generic one
(planned once, as a named prepared statement would be).

    python3 bench/pg_plan_parts.py LOG DATABASE_URL [ROWS]   # ROWS: messages in the group (default 4)"""
import re
import statistics
import subprocess
import sys

log_path, url = sys.argv[1], sys.argv[2]
wanted_rows = int(sys.argv[3]) if len(sys.argv) > 3 else 4
START = re.compile(r'^\d{4}-\d\d-\d\d ')
EXECUTE = re.compile(r'execute [^:]+: (WITH writer_lock AS)')


def logged_statements(path):
    """(statement, parameters text) of each logged execution of the ingest statement."""
    lines = open(path, errors="replace").read().split("\n")
    for i, line in enumerate(lines):
        # Named since session 10 (chorus_ingest_N…, a prepared statement per group size).
        found = EXECUTE.search(line)
        if not found:
            continue
        text, j = [line[found.start(1):]], i + 1
        while j < len(lines) and not START.match(lines[j]):
            text.append(lines[j])
            j += 1
        if j < len(lines) and "DETAIL:  parameters: " in lines[j]:
            yield "\n".join(text), lines[j].split("DETAIL:  parameters: ", 1)[1]


def split_ctes(statement):
    """The WITH clauses (top level, by parentheses) and the final SELECT."""
    body, parts, depth, start, quoted = statement[len("WITH "):], [], 0, 0, False
    for i, ch in enumerate(body):
        if ch == "'":
            quoted = not quoted
        if quoted:
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                rest = body[i + 1:].lstrip()
                if rest.startswith(","):
                    parts.append(body[start:i + 1].strip())
                    start = i + 1 + (len(body[i + 1:]) - len(rest)) + 1
                elif rest.startswith("SELECT"):
                    parts.append(body[start:i + 1].strip())
                    return parts, rest
    raise SystemExit("could not split the statement")


for statement, parameters in logged_statements(log_path):
    values = [m.group(1) for m in re.finditer(r"\$\d+ = (NULL|'(?:[^']|'')*')", parameters)]
    columns = re.search(r"\bm\(([^)]*)\) AS \(VALUES", statement).group(1).split(", ")
    rows = statement.split("AS (VALUES", 1)[1].split("), found AS", 1)[0].count("(")
    if rows == wanted_rows:
        break
else:
    raise SystemExit(f"no logged ingest statement with {wanted_rows} messages")
# Parameter types: $1, $2 the NOTIFY's text; then the rows (bigint where the column is a
# number); then the statement's own numbers (the time, as bigint).
numeric = {"ord", "first", "meta_timestamp"}
types = ["text", "text"]
types += [("bigint" if columns[k % len(columns)] in numeric else "text") for k in range(rows * len(columns))]
types += ["bigint"] * (len(values) - len(types))
ctes, final = split_ctes(statement)


def plan_ms(sql, times=25):
    script = (f"PREPARE s({','.join(types)}) AS {sql};\nSET plan_cache_mode = force_custom_plan;\n"
              + f"EXPLAIN (SUMMARY) EXECUTE s({','.join(values)});\n" * times)
    out = subprocess.run(["psql", "-X", url], input=script, capture_output=True, text=True)
    found = [float(x) for x in re.findall(r"Planning Time: ([\d.]+)", out.stdout)]
    if not found:
        raise SystemExit(out.stderr[:500])
    return statistics.median(found[3:])


def names(k):
    return [c.split(" ", 1)[0].split("(", 1)[0] for c in ctes[:k]]


def readable(cte):
    """A clause a SELECT can read: not an INSERT/UPDATE without RETURNING (planned all the same)."""
    return "RETURNING" in cte or not re.search(r"\b(INSERT|UPDATE)\b", cte)


print(f"the ingest statement for {rows} messages ({len(values)} parameters), planning time, median of 22:")
previous = 0.0
for k in range(1, len(ctes) + 1):
    # Every clause so far is referenced once, so none is left out of the plan.
    readers = ", ".join(f"(SELECT count(*) FROM {n})" for n, c in zip(names(k), ctes) if readable(c))
    sql = "WITH " + ",\n".join(ctes[:k]) + f"\nSELECT {readers}"
    ms = plan_ms(sql)
    print(f"  up to {names(k)[-1]:<12} {ms:6.3f} ms  (+{ms - previous:.3f})")
    previous = ms
print(f"  the whole statement {plan_ms(statement):6.3f} ms")


# Custom against generic plans, on data: the statement's channel and customers exist (so every
# message is "known" and the statement writes), each run rolled back.
customers = sorted({v.strip("'") for v, t in zip(values, types) if t == "text" and re.fullmatch(r"'\d{6,}'", v)}
                   - {values[2 + columns.index("phone")].strip("'")})
phone = values[2 + columns.index("phone")]
seed = f"""
INSERT INTO channels (phone_number_id, waba_id, display_number, access_token, app_secret, verify_token, graph_url,
    api_version, created_at) VALUES ({phone}, 'w', '+1', 't', 's', 'v', 'http://127.0.0.1:9', 'v21.0', 0);
INSERT INTO contacts (channel_id, wa_id, name, created_at, updated_at)
    SELECT 1, w, 'Customer', 0, 0 FROM unnest(ARRAY[{','.join(f"'{c}'" for c in customers)}]::text[]) w
    UNION ALL SELECT 1, 'other-' || g, 'Customer', 0, 0 FROM generate_series(1, {5000 - len(customers)}) g;
INSERT INTO conversations (channel_id, contact_id, status, last_message_at, created_at, updated_at)
    SELECT 1, id, 'open', 0, 0, 0 FROM contacts;
INSERT INTO messages (channel_id, conversation_id, dedupe_key, wamid, direction, type, status, text, content,
    meta_timestamp, created_at, updated_at)
    SELECT 1, 1 + g % 5000, 'seed.' || g, 'seed.' || g, 'inbound', 'text', 'received', 'seed ' || g, '{{}}', g, 0, 0
    FROM generate_series(1, 100000) g;
ANALYZE;
"""
seeded = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url], input=seed, capture_output=True, text=True)
if seeded.returncode != 0:
    raise SystemExit(seeded.stderr[:500])


def run_ms(mode, times=25):
    script = f"PREPARE s({','.join(types)}) AS {statement};\nSET plan_cache_mode = {mode};\n" + (
        f"BEGIN;\nEXPLAIN (ANALYZE, SUMMARY, TIMING OFF) EXECUTE s({','.join(values)});\nROLLBACK;\n" * times)
    out = subprocess.run(["psql", "-X", url], input=script, capture_output=True, text=True)
    planning = [float(x) for x in re.findall(r"Planning Time: ([\d.]+)", out.stdout)][3:]
    execution = [float(x) for x in re.findall(r"Execution Time: ([\d.]+)", out.stdout)][3:]
    written = re.search(r"Insert on messages.*?Tuples Inserted: (\d+)", out.stdout, re.S)
    if not execution or not written or written.group(1) == "0":
        raise SystemExit("the statement did not write its messages: " + out.stderr[:300])
    return statistics.median(planning), statistics.median(execution)


print(f"run on data (median of 22, each rolled back; {rows} messages inserted each time):")
for mode in ["force_custom_plan", "force_generic_plan"] * 2:
    planning, execution = run_ms(mode)
    print(f"  {mode:<19} planning {planning:6.3f} ms  execution {execution:6.3f} ms  both {planning + execution:6.3f} ms")
