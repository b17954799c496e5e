/// A daily window in the workspace's time zone, in minutes after midnight. It may wrap past
/// midnight ("23:00–07:00"). An empty window (start == end) allows nothing.
public struct TimeWindow: Sendable, Equatable, Codable, CustomStringConvertible {
    public let startMinute: Int
    public let endMinute: Int

    public init(startMinute: Int, endMinute: Int) {
        self.startMinute = startMinute
        self.endMinute = endMinute
    }

    /// Parses "HH:MM-HH:MM" (an en dash is accepted too).
    public init?(_ text: String) {
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == "–" })
        guard parts.count == 2, let start = Self.minute(parts[0]), let end = Self.minute(parts[1]) else { return nil }
        self.init(startMinute: start, endMinute: end)
    }

    static func minute(_ text: Substring) -> Int? {
        let hm = text.filter { $0 != " " }.split(separator: ":")
        guard hm.count == 2, let h = Int(hm[0]), let m = Int(hm[1]), (0...23).contains(h), (0...59).contains(m) else { return nil }
        return h * 60 + m
    }

    public var isEmpty: Bool { startMinute == endMinute }
    public var wrapsMidnight: Bool { endMinute < startMinute }

    public func contains(minute: Int) -> Bool {
        if isEmpty { return false }
        return wrapsMidnight ? (minute >= startMinute || minute < endMinute) : (minute >= startMinute && minute < endMinute)
    }

    /// Minutes of the day covered.
    public var length: Int { isEmpty ? 0 : (endMinute - startMinute + 1440) % 1440 }

    public var description: String { "\(Self.format(startMinute))-\(Self.format(endMinute))" }

    static func format(_ minute: Int) -> String {
        let h = minute / 60, m = minute % 60
        return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let window = TimeWindow(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected HH:MM-HH:MM"))
        }
        self = window
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
