import ChorusCore
import Foundation
import Testing

@Suite("JSONValue reader and writer")
struct JSONValueTests {
    @Test("parses every JSON form, including escapes and surrogate pairs")
    func parse() throws {
        let text = #"{"a":[1,-2,3.5,1e3,true,false,null],"s":"x\"y\\z\/\n\u00e4\ud83d\ude00","e":{},"l":[]}"#
        let value = try JSONValue.parse(Array(text.utf8))
        #expect(value["a"] == .array([.int(1), .int(-2), .double(3.5), .double(1000), .bool(true), .bool(false), .null]))
        #expect(value["s"]?.string == "x\"y\\z/\nä😀")
        #expect(value["e"] == .object([:]) && value["l"] == .array([]))
    }

    @Test("agrees with Foundation's JSONDecoder on the conformance corpus shapes")
    func agreesWithFoundation() throws {
        let samples = [#"{"entry":[{"id":"1","changes":[{"value":{"n":12345678901234,"f":0.25,"t":"😀 ok"}}]}]}"#,
                       #"[{"a":"b"},[],"",0,-0.5]"#]
        for sample in samples {
            let ours = try JSONValue.parse(Array(sample.utf8))
            let theirs = try JSONDecoder().decode(JSONValue.self, from: Data(sample.utf8))
            #expect(ours == theirs)
            #expect(try JSONValue.parse(Array(ours.serialized.utf8)) == ours)
        }
    }

    @Test("refuses malformed input", arguments: ["", "{", "[1,]", "{\"a\":}", "tru", "\"abc", "01x", "{\"a\" 1}", "[1] 2",
                                                 "\"\u{01}\"", String(repeating: "[", count: 600) + String(repeating: "]", count: 600)])
    func malformed(_ text: String) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Array(text.utf8)) }
    }

    @Test("invalid UTF-8 is refused, not stored half-decoded, with or without escapes beside it",
          arguments: [[0x22, 0xFF, 0xFE, 0x22], [0x22, 0x5C, 0x6E, 0xFF, 0x22], [0x22, 0xC3, 0x5C, 0x6E, 0x22],
                      [0x22, 0x5C, 0x75, 0x30, 0x30, 0x65, 0x34, 0xED, 0xA0, 0x80, 0x22]] as [[UInt8]])
    func invalidUTF8(_ bytes: [UInt8]) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(bytes) }
    }

    @Test("raw UTF-8 beside escapes and alone is kept as sent")
    func rawUTF8() throws {
        #expect(try JSONValue.parse(Array(#""où \u00e9\n é""#.utf8)) == .string("où é\n é"))
        #expect(try JSONValue.parse(Array(#""😀 ok""#.utf8)) == .string("😀 ok"))
    }

    @Test("serialises with sorted keys and escaped control characters")
    func serialize() {
        let value = JSONValue.object(["b": .string("line\nbreak\u{01}"), "a": .int(1)])
        #expect(value.serialized == #"{"a":1,"b":"line\nbreak\u0001"}"#)
    }

    @Test("serialises any text back to what it parses from: quotes, backslashes, every control character, non-ASCII")
    func serializeRoundTrip() throws {
        let text = String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) }) + "\"\\/ où 😀 你好"
        let value = JSONValue.object(["k\"ey": .array([.string(text), .double(1.5), .bool(false), .null, .int(-3)]), "a": .object([:])])
        #expect(try JSONValue.parse(Array(value.serialized.utf8)) == value)
        #expect(JSONValue.string("\u{1f}\u{7f}é").serialized == "\"\\u001f\u{7f}é\"")
        // The String writers append, after what is there, the same text.
        var out = "prefix:"
        JSONValue.writeString(text, to: &out)
        value.write(to: &out)
        #expect(out == "prefix:" + JSONValue.string(text).serialized + value.serialized)
    }
}
