import Foundation
import Hummingbird
import Synchronization

/// Counters and latency histograms in Prometheus text format, kept in-process behind one lock.
/// (Small enough that swift-metrics + swift-prometheus would add more build time than code.)
public final class Metrics: Sendable {
    private struct State {
        var counters: [String: [String: Double]] = [:]      // name -> labels -> value
        var histograms: [String: [String: Histogram]] = [:]
    }

    struct Histogram {
        static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
        var buckets = [Int](repeating: 0, count: bounds.count)
        var count = 0
        var sum = 0.0

        mutating func observe(_ seconds: Double) {
            for (index, bound) in Self.bounds.enumerated() where seconds <= bound { buckets[index] += 1 }
            count += 1
            sum += seconds
        }
    }

    private let state = Mutex(State())
    static let help: [String: String] = [
        "chorus_http_requests_total": "HTTP requests by route, method and status.",
        "chorus_http_request_duration_seconds": "HTTP request latency by route.",
        "chorus_webhook_messages_total": "Webhook messages stored, by outcome.",
        "chorus_webhook_statuses_total": "Webhook statuses, by outcome.",
        "chorus_webhook_rejected_total": "Webhook requests refused, by reason.",
        "chorus_webhook_unhandled_total": "Webhook items kept for diagnostics (unknown numbers or fields).",
        "chorus_webhook_group_commits_total": "Webhook group commits (one transaction, one fsync on SQLite, each).",
        "chorus_webhook_group_batches_total": "Webhook requests stored through group commits (over commits: the mean group size).",
        "chorus_webhook_fast_path_total": "Webhooks answered from the connection's pipeline, without the router (the others: refused, over 256 kB, behind another request of their connection, or the first after the channel list's 1 s cache expired).",
        "chorus_outbound_total": "Outbound send attempts, by outcome.",
        "chorus_outbound_queue_depth": "Messages waiting in the outbound queue at the last check.",
    ]

    public init() {}

    public func increment(_ name: String, labels: [String: String] = [:], by value: Double = 1) {
        if value == 0 { return }
        let key = Self.labelText(labels)
        state.withLock { $0.counters[name, default: [:]][key, default: 0] += value }
    }

    public func set(_ name: String, labels: [String: String] = [:], to value: Double) {
        let key = Self.labelText(labels)
        state.withLock { $0.counters[name, default: [:]][key] = value }
    }

    public func observe(_ name: String, labels: [String: String] = [:], seconds: Double) {
        let key = Self.labelText(labels)
        state.withLock { $0.histograms[name, default: [:]][key, default: Histogram()].observe(seconds) }
    }

    public func value(_ name: String, labels: [String: String] = [:]) -> Double {
        let key = Self.labelText(labels)
        return state.withLock { $0.counters[name]?[key] ?? 0 }
    }

    public func prometheusText() -> String {
        let snapshot = state.withLock { $0 }
        var out = ""
        for name in snapshot.counters.keys.sorted() {
            let kind = name.hasSuffix("_total") ? "counter" : "gauge"
            out += "# HELP \(name) \(Self.help[name] ?? name)\n# TYPE \(name) \(kind)\n"
            for (labels, value) in snapshot.counters[name]!.sorted(by: { $0.key < $1.key }) {
                out += "\(name)\(labels.isEmpty ? "" : "{\(labels)}") \(Self.number(value))\n"
            }
        }
        for name in snapshot.histograms.keys.sorted() {
            out += "# HELP \(name) \(Self.help[name] ?? name)\n# TYPE \(name) histogram\n"
            for (labels, histogram) in snapshot.histograms[name]!.sorted(by: { $0.key < $1.key }) {
                let prefix = labels.isEmpty ? "" : labels + ","
                for (index, bound) in Histogram.bounds.enumerated() {
                    out += "\(name)_bucket{\(prefix)le=\"\(bound)\"} \(histogram.buckets[index])\n"
                }
                out += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(histogram.count)\n"
                out += "\(name)_sum\(labels.isEmpty ? "" : "{\(labels)}") \(histogram.sum)\n"
                out += "\(name)_count\(labels.isEmpty ? "" : "{\(labels)}") \(histogram.count)\n"
            }
        }
        return out
    }

    /// `a="1",b="2"`, keys sorted. On every request's path, so no Foundation string searching:
    /// values are escaped only when they hold a quote or a backslash.
    static func labelText(_ labels: [String: String]) -> String {
        if labels.isEmpty { return "" }
        var out = ""
        for (index, key) in labels.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            appendLabel(key, labels[key]!, to: &out)
        }
        return out
    }

    /// Appends `key="value"`, the value escaped only when it holds a quote or a backslash.
    static func appendLabel(_ key: String, _ value: String, to out: inout String) {
        out += key
        out += "=\""
        if value.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            for character in value {
                if character == "\"" || character == "\\" { out += "\\" }
                out.append(character)
            }
        } else {
            out += value
        }
        out += "\""
    }

    /// A request's labels as text, in sorted order: `request` for the counter (method, route,
    /// status), `route` for the latency histogram. Made once where they never change.
    struct RequestLabels: Sendable {
        let request: String
        let route: String

        init(route: String, method: String, status: Int) {
            var routeLabel = ""
            Metrics.appendLabel("route", route, to: &routeLabel)
            var requestLabels = ""
            Metrics.appendLabel("method", method, to: &requestLabels)
            requestLabels += "," + routeLabel + ","
            Metrics.appendLabel("status", String(status), to: &requestLabels)
            self.request = requestLabels
            self.route = routeLabel
        }
    }

    /// Counts one HTTP request and observes its latency, under one lock, its labels written
    /// straight in sorted order (every request passes here; no dictionaries to build and sort).
    func recordRequest(route: String, method: String, status: Int, took elapsed: Duration) {
        recordRequest(RequestLabels(route: route, method: method, status: status), took: elapsed)
    }

    func recordRequest(_ labels: RequestLabels, took elapsed: Duration) {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        state.withLock { state in
            state.counters["chorus_http_requests_total", default: [:]][labels.request, default: 0] += 1
            state.histograms["chorus_http_request_duration_seconds", default: [:]][labels.route, default: Histogram()].observe(seconds)
        }
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

/// Counts every request by its route pattern (not its raw path, which would explode the labels).
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: Metrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        metrics.recordRequest(route: context.endpointPath ?? "unmatched", method: request.method.rawValue,
                              status: response.status.code, took: ContinuousClock.now - start)
        return response
    }
}
