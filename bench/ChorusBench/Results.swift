import Foundation

/// Writes `results`, stamped with the time, under `key` in the JSON file at `path`, keeping the
/// other benchmarks' sections (bench/report.py prints them all).
func mergeResults(_ results: [String: Any], key: String, into path: String) throws {
    var all: [String: Any] = [:]
    if let data = FileManager.default.contents(atPath: path),
       let existing = try? JSONSerialization.jsonObject(with: data) as? [String: Any] { all = existing }
    var stamped = results
    stamped["at"] = ISO8601DateFormatter().string(from: Date())
    all[key] = stamped
    let data = try JSONSerialization.data(withJSONObject: all, options: [.prettyPrinted, .sortedKeys])
    try data.write(to: URL(fileURLWithPath: path))
}
