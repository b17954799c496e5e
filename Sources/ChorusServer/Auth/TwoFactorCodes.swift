import Crypto
import Foundation
import HummingbirdOTP

/// TOTP (RFC 6238: 6 digits, 30 s, SHA-1, as every authenticator app expects) and one-time
/// recovery codes.
enum TwoFactorCodes {
    /// A new shared secret: 20 random characters from an unambiguous alphabet.
    static func newSecret() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        return String((0..<20).map { _ in alphabet.randomElement()! })
    }

    /// Accepts the current code and one step either side, for clock drift.
    static func verify(_ code: String, secret: String, at date: Date = Date()) -> Bool {
        let digits = code.filter { !$0.isWhitespace }
        guard digits.count == 6, let value = Int(digits) else { return false }
        let totp = TOTP(secret: secret)
        return [-30.0, 0, 30].contains { totp.compute(date: date.addingTimeInterval($0)) == value }
    }

    static func authenticatorURL(secret: String, email: String) -> String {
        TOTP(secret: secret).createAuthenticatorURL(label: "Chorus:\(email)", issuer: "Chorus")
    }

    /// Ten codes like "k7fq-92mz", shown once; only their hashes are kept.
    static func newRecoveryCodes() -> [String] {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        return (0..<10).map { _ in
            String((0..<4).map { _ in alphabet.randomElement()! }) + "-" + String((0..<4).map { _ in alphabet.randomElement()! })
        }
    }

    static func hashRecoveryCode(_ code: String) -> String {
        SessionTokens.hash(code.lowercased().filter { $0.isLetter || $0.isNumber })
    }

    static func isPIN(_ text: String) -> Bool {
        text.count == 6 && text.allSatisfy(\.isASCII) && text.allSatisfy(\.isNumber)
    }
}
