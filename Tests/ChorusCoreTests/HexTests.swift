import ChorusCore
import Foundation
import Testing

@Suite("Hex")
struct HexTests {
    @Test("every byte as the two lowercase digits %02x gives, in order")
    func everyByte() {
        let bytes = (0...255).map(UInt8.init) + [0x0f, 0xa0]
        #expect(Hex.string(bytes) == bytes.map { String(format: "%02x", $0) }.joined())
        #expect(Hex.string([UInt8]()) == "")
        var out = Array("x".utf8)
        Hex.append(0x7e, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "x7e")
    }
}
