import ChorusCore
import Foundation

/// JSON as Meta sends webhooks: every non-ASCII character escaped as `\uXXXX` with lowercase
/// hex (reference §1.2), so the signature is over exactly these bytes.
public enum ASCIIJSON {
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let utf8 = try encoder.encode(value)
        var out = String()
        out.reserveCapacity(utf8.count)
        for scalar in String(decoding: utf8, as: UTF8.self).unicodeScalars {
            if scalar.isASCII {
                out.unicodeScalars.append(scalar)
            } else {
                for unit in String(scalar).utf16 {
                    out += "\\u" + String(format: "%04x", unit)
                }
            }
        }
        return Data(out.utf8)
    }
}
