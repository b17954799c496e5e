/// A direct JSON reader and writer for `JSONValue`. Webhook ingest parses and re-serialises
/// every payload; going through Codable cost about a third of the server's CPU there (every
/// failed type probe in `init(from:)` throws an error with a coding path).
extension JSONValue {
    public struct ParseError: Error, Equatable {
        public let offset: Int
    }

    /// Parses UTF-8 JSON text (RFC 8259); nesting deeper than 512 levels is refused.
    public static func parse(_ bytes: some Collection<UInt8>) throws(ParseError) -> JSONValue {
        // Read in place when the bytes are contiguous (Data, Array, ByteBuffer views), else
        // from a copy; through a buffer pointer, without a bounds check per byte.
        let parsed = bytes.withContiguousStorageIfAvailable { parse(buffer: $0) } ?? Array(bytes).withUnsafeBufferPointer { parse(buffer: $0) }
        return try parsed.get()
    }

    private static func parse(buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, ParseError> {
        var reader = Reader(bytes: buffer)
        reader.skipWhitespace()
        do throws(ParseError) {
            let value = try reader.value(depth: 0)
            reader.skipWhitespace()
            guard reader.index == reader.bytes.count else { throw ParseError(offset: reader.index) }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    /// Compact JSON with keys sorted, so equal documents serialise to equal text.
    public var serialized: String {
        var out: [UInt8] = []
        out.reserveCapacity(512)   // a webhook message's JSON: grown once or not at all
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `serialized` to `out`.
    public func write(to out: inout String) {
        out += serialized
    }

    /// Appends `serialized` to `out`, as UTF-8. Written as bytes: appended to a String piece by
    /// piece, each message's raw JSON cost ~2.5 % of the server's CPU under ingest (BENCHMARKS.md).
    public func write(to out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .int(let i): out += String(i).utf8
        case .double(let d): out += (d.isFinite ? String(d) : "null").utf8
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (index, element) in a.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (index, member) in o.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A byte that a JSON string literal must escape: a quote, a backslash, a control character.
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte == 0x22 || byte == 0x5C || byte < 0x20
    }

    /// Appends `s` as a JSON string literal.
    public static func writeString(_ s: String, to out: inout String) {
        // Most strings need no escaping: appended whole.
        if !s.utf8.contains(where: needsEscape) {
            out += "\""
            out += s
            out += "\""
            return
        }
        var bytes: [UInt8] = []
        writeString(s, to: &bytes)
        out += String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `s` as a JSON string literal, as UTF-8.
    public static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if !s.utf8.contains(where: needsEscape) {
            // Copied whole (most strings), not byte by byte.
            out += s.utf8
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += #"\""#.utf8
            case UInt8(ascii: "\\"): out += #"\\"#.utf8
            case UInt8(ascii: "\n"): out += #"\n"#.utf8
            case UInt8(ascii: "\r"): out += #"\r"#.utf8
            case UInt8(ascii: "\t"): out += #"\t"#.utf8
            case 0..<0x20:
                out += #"\u00"#.utf8
                Hex.append(byte, to: &out)
            default: out.append(byte)   // UTF-8 passes through whole, as the String writer did
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    struct Reader {
        /// Valid only during `parse`: every string and number is copied out of it.
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        mutating func skipWhitespace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }

        func fail() -> ParseError { ParseError(offset: index) }

        mutating func value(depth: Int) throws(ParseError) -> JSONValue {
            guard depth < 512, index < bytes.count else { throw fail() }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return try number()
            }
        }

        mutating func literal(_ word: String) throws(ParseError) {
            let expected = Array(word.utf8)
            guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected else { throw fail() }
            index += expected.count
        }

        mutating func object(depth: Int) throws(ParseError) -> JSONValue {
            index += 1
            // Room for a typical webhook object's keys up front: growing 1 → 2 → 4 → 8 rehashed
            // every key three times.
            var result: [String: JSONValue] = Dictionary(minimumCapacity: 8)
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object([:]) }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail() }
                let key = try string()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail() }
                index += 1
                skipWhitespace()
                result[key] = try value(depth: depth + 1)
                skipWhitespace()
                guard index < bytes.count else { throw fail() }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(result) }
                throw fail()
            }
        }

        mutating func array(depth: Int) throws(ParseError) -> JSONValue {
            index += 1
            var result: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(result) }
            while true {
                skipWhitespace()
                result.append(try value(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else { throw fail() }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(result) }
                throw fail()
            }
        }

        mutating func string() throws(ParseError) -> String {
            index += 1
            let start = index
            // Bytes at or above 0x80 seen outside escapes: only then must the text be validated
            // as UTF-8. Meta escapes everything else (`\uXXXX`), so webhooks are ASCII, and
            // `String(decoding:)` is exact for ASCII and for scalars decoded from escapes —
            // the generic `String(validating:)` cost ~1.5 % of the server's CPU under ingest.
            var high: UInt8 = 0
            // Fast path: no escapes.
            while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
                guard bytes[index] >= 0x20 else { throw fail() }
                high |= bytes[index]
                index += 1
            }
            guard index < bytes.count else { throw fail() }
            if bytes[index] == UInt8(ascii: "\"") {
                // No escapes (most strings): straight from the input, one copy.
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                return try Self.text(raw, ascii: high < 0x80, failingAt: start).get()
            }
            var utf8 = Array(bytes[start..<index])
            while bytes[index] != UInt8(ascii: "\"") {
                // An escape sequence.
                index += 1
                guard index < bytes.count else { throw fail() }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): utf8.append(0x22)
                case UInt8(ascii: "\\"): utf8.append(0x5C)
                case UInt8(ascii: "/"): utf8.append(0x2F)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), index + 6 <= bytes.count,
                       bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail() }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    // A lone surrogate becomes U+FFFD rather than an invalid string.
                    let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                    utf8.append(contentsOf: Array(String(scalar).utf8))
                default: throw fail()
                }
                while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
                    guard bytes[index] >= 0x20 else { throw fail() }
                    high |= bytes[index]
                    utf8.append(bytes[index])
                    index += 1
                }
                guard index < bytes.count else { throw fail() }
            }
            index += 1
            return try utf8.withUnsafeBufferPointer { Self.text($0, ascii: high < 0x80, failingAt: start) }.get()
        }

        /// `raw` as a String: decoded directly when `ascii` says nothing in it needs
        /// validating, else validated (invalid UTF-8 is an error, never repaired).
        static func text(_ raw: UnsafeBufferPointer<UInt8>, ascii: Bool, failingAt offset: Int) -> Result<String, ParseError> {
            if ascii { return .success(String(decoding: raw, as: UTF8.self)) }
            guard let text = String(validating: raw, as: UTF8.self) else { return .failure(ParseError(offset: offset)) }
            return .success(text)
        }

        mutating func hex4() throws(ParseError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw fail() }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[index]
                let digit: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw fail()
                }
                value = value * 16 + digit
                index += 1
            }
            return value
        }

        mutating func number() throws(ParseError) -> JSONValue {
            let start = index
            var isInteger = true
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else { throw fail() }
            while index < bytes.count {
                let c = bytes[index]
                if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { index += 1; continue }
                if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
                    || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") { isInteger = false; index += 1; continue }
                break
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if isInteger, let value = Int64(text) { return .int(value) }
            guard let value = Double(text) else { throw fail() }
            return .double(value)
        }
    }
}
