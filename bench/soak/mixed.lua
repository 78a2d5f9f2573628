-- The soak's request mix, per request: 40% catalog hits (the products list and the offers of a
-- few known customers), 20% catalog misses (the offers of a customer never asked for before),
-- 20% deals (not cached: always upstream) and 20% price POSTs (never cached).
-- Counts answers by status class; done() prints the totals as `soak: name=value` lines.

local product = "0e809ad4-2179-4210-9b1d-fc7c3717a4ea"
local offer = "fdb231fb-f671-4fc7-87a5-47a317e35847"
local deal = "1234abcd-1234-abcd-123456789abc"
local price_body = '{"priceDate":"2024-05-01","formData":['
  .. '{"elementKey":"quantity","elementValue":2},{"elementKey":"term","elementValue":"12"}]}'

local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  n = 0
  counts = { c2xx = 0, c3xx = 0, c4xx = 0, c5xx = 0, c502 = 0, c504 = 0, other = 0,
    hits = 0, misses = 0, stale = 0 }
  -- A prefix of its own per thread and per run, so that misses stay misses across the warm-up
  -- and the measured run.
  prefix = string.format("soak%d-%d-", tid, os.time() % 100000)
  json_headers = { ["Content-Type"] = "application/json" }
end

function request()
  n = n + 1
  local slot = n % 10
  if slot < 2 then
    return wrk.format("GET", "/catalog/products")
  elseif slot < 4 then
    return wrk.format("GET", "/catalog/products/" .. product .. "/offers?customerId=C" .. (n % 5))
  elseif slot < 6 then
    return wrk.format("GET", "/catalog/products/" .. product .. "/offers?customerId=" .. prefix .. n)
  elseif slot < 8 then
    return wrk.format("GET", "/deals/" .. deal)
  else
    return wrk.format("POST", "/catalog/products/" .. product .. "/offers/" .. offer
      .. "/price?customerId=C1", json_headers, price_body)
  end
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    counts.c2xx = counts.c2xx + 1
  elseif status >= 300 and status < 400 then
    counts.c3xx = counts.c3xx + 1
  elseif status >= 400 and status < 500 then
    counts.c4xx = counts.c4xx + 1
  elseif status >= 500 and status < 600 then
    counts.c5xx = counts.c5xx + 1
    if status == 502 then
      counts.c502 = counts.c502 + 1
    elseif status == 504 then
      counts.c504 = counts.c504 + 1
    end
  else
    counts.other = counts.other + 1
  end
  local cache = headers["X-Cache"]
  if cache == "HIT" then
    counts.hits = counts.hits + 1
  elseif cache == "MISS" then
    counts.misses = counts.misses + 1
  elseif cache == "STALE" then
    counts.stale = counts.stale + 1
  end
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for name, value in pairs(thread:get("counts")) do
      total[name] = (total[name] or 0) + value
    end
  end
  local e = summary.errors
  io.write(string.format("soak: requests=%d\n", summary.requests))
  for _, name in ipairs({ "c2xx", "c3xx", "c4xx", "c5xx", "c502", "c504", "other",
    "hits", "misses", "stale" }) do
    io.write(string.format("soak: %s=%d\n", name, total[name] or 0))
  end
  io.write(string.format("soak: socket_errors=%d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("soak: connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    e.connect, e.read, e.write, e.timeout))
  io.write(string.format("soak: latency_p50_ms=%.2f latency_p99_ms=%.2f latency_max_ms=%.2f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
