-- wrk script: each thread posts its own slice of pre-signed webhooks (bench/make_webhooks.py),
-- so every request carries a unique message id.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local file = os.getenv("BENCH_WEBHOOKS")
  local total = tonumber(os.getenv("BENCH_THREADS"))
  requests = {}
  local line_number = 0
  for line in io.lines(file) do
    if line_number % total == index then
      local tab = string.find(line, "\t", 1, true)
      table.insert(requests, wrk.format("POST", "/webhooks/whatsapp",
        { ["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = string.sub(line, 1, tab - 1) },
        string.sub(line, tab + 1)))
    end
    line_number = line_number + 1
  end
  position = 0
end

function request()
  position = position + 1
  if position > #requests then position = 1 end  -- wraps: later requests are redeliveries
  return requests[position]
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d errors_status=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, summary.errors.status, latency:percentile(50), latency:percentile(99)))
end
