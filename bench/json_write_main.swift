// The driver of bench/json-write: one webhook message object, serialised 200,000 times alone
// (`serialized`, as ingest stores each message's raw JSON) and appended to a larger String
// (`write(to:)`, as MessageJSON does for history and sync); nanoseconds per call.
import Foundation

let text = #"{"from":"15551234567","id":"wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzQTdGQjQ5MjE2RjA0QzY3QUJBNgA=","timestamp":"1700000000","text":{"body":"Hello, is my order on its way? I ordered it last Tuesday and it has not arrived."},"type":"text","context":{"from":"15550000","id":"wamid.abc"}}"#
let value = try! JSONValue.parse(Array(text.utf8))
let rounds = 200_000
var total = 0
var start = Date()
for _ in 0..<rounds {
    var out = #"{"id":1,"content":"#
    value.write(to: &out)
    out += "}"
    total &+= out.utf8.count
}
let appended = Date().timeIntervalSince(start)
start = Date()
for _ in 0..<rounds { total &+= value.serialized.utf8.count }
let alone = Date().timeIntervalSince(start)
print(String(format: "serialized %.0f ns, write(to: String) %.0f ns", alone / Double(rounds) * 1e9,
             appended / Double(rounds) * 1e9), "(checksum \(total))")
