import Crypto
import Foundation

/// `X-Hub-Signature-256: sha256=<hex>`: HMAC-SHA256 of the raw body with the app secret.
public enum WebhookSignature {
    public static func header(for body: some DataProtocol, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Checks in constant time (HMAC's own comparison) whether `header` signs `body` with `secret`.
    public static func isValid(_ header: String?, body: some DataProtocol, secret: String) -> Bool {
        guard let header, header.hasPrefix("sha256="),
              let expected = Self.bytes(fromHex: header.dropFirst("sha256=".count)) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(expected, authenticating: body,
                                                      using: SymmetricKey(data: Data(secret.utf8)))
    }

    static func bytes(fromHex hex: Substring) -> Data? {
        guard hex.count == 64 else { return nil }
        var data = Data(capacity: 32)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            data.append(byte)
            index = next
        }
        return data
    }
}
