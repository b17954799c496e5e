import Foundation

/// Latency samples and their percentiles, in milliseconds.
struct Samples {
    var values: [Double] = []
    mutating func add(_ ms: Double) { values.append(ms) }

    func percentile(_ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[rank]
    }

    var summary: [String: Double] {
        ["count": Double(values.count), "min_ms": values.min() ?? .nan, "p50_ms": percentile(50), "p95_ms": percentile(95), "p99_ms": percentile(99),
         "max_ms": values.max() ?? .nan]
    }
}

func milliseconds(since start: ContinuousClock.Instant) -> Double {
    milliseconds(from: start, to: .now)
}

func milliseconds(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> Double {
    let d = end - start
    return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}

/// Resident memory of a process in MB, from /proc.
func residentMB(pid: Int32) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
    return kb / 1024
}

/// CPU seconds (user + system) a process has used so far, from /proc (USER_HZ = 100).
func processCPUSeconds(pid: Int32) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = text.lastIndex(of: ")") else { return .nan }
    // Fields after the command name's ")": state is field 3, utime 14, stime 15.
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
    return (user + system) / 100
}
