"""PostgreSQL's planning time for the one ingest statement (IngestRepository+OneStatement), and
how it grows part by part: the statement is taken from a statement log written with
log_min_duration_statement=0 (bench/pg-plan-parts writes one), prepared in DATABASE_URL (a
database with Chorus's schema) with its logged parameters, and planned again and again as a
custom plan — each time with its WITH clauses cut after the first k.

    python3 bench/pg_plan_parts.py LOG DATABASE_URL [ROWS]   # ROWS: messages in the group (default 4)

Only planning is measured (EXPLAIN without ANALYZE: nothing is executed or written)."""
import re
import statistics
import subprocess
import sys

log_path, url = sys.argv[1], sys.argv[2]
wanted_rows = int(sys.argv[3]) if len(sys.argv) > 3 else 4
START = re.compile(r'^\d{4}-\d\d-\d\d ')


def logged_statements(path):
    """(statement, parameters text) of each logged execution of the ingest statement."""
    lines = open(path, errors="replace").read().split("\n")
    for i, line in enumerate(lines):
        if "execute <unnamed>: WITH writer_lock AS" not in line:
            continue
        text, j = [line.split("execute <unnamed>: ", 1)[1]], i + 1
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
