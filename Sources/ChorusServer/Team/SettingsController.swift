import ChorusCore
import ChorusStore
import Foundation
import Hummingbird

/// Workspace settings an admin changes: security (2FA policy, device cap, idle limit,
/// lockout …) and payment settings (Payment permission, step-up with PIN and code, never from a
/// desktop session by default).
struct SettingsController {
    let security: SecuritySettings
    let settings: SettingsRepository
    let hub: DeviceHub

    func entry(_ context: ChorusRequestContext, _ action: String, _ details: JSONValue) throws -> AuditEntry {
        try context.audit(action, targetType: "settings", details: details)
    }

    func getSecurity(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try JSONBody.response(try await security.current())
    }

    func putSecurity(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let data = try await JSONBody.bytes(request)
        let value = try JSONBody.decode(WorkspaceSecurity.self, data: data)
        if let problem = value.problem { throw ChorusError.invalid("invalid_settings", problem) }
        guard TimeZone(identifier: value.timeZone) != nil else {
            throw ChorusError.invalid("invalid_settings", "\"\(value.timeZone)\" is not a time zone name (like Europe/Berlin).")
        }
        let raw = try JSONBody.decode(JSONValue.self, data: data)
        try await security.save(value, audit: try entry(context, "settings.security_changed", raw))
        // Device rules and send windows may have changed for everyone.
        await hub.rightsChanged(memberID: nil)
        return try JSONBody.response(value)
    }

    struct PaymentSettings: Codable, Sendable {
        var enabled: Bool = false
        var provider: String = ""
        var currency: String = "USD"
        var merchantName: String = ""
    }

    func getPayment(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try JSONBody.response(try await settings.get("payment", as: PaymentSettings.self) ?? PaymentSettings())
    }

    func putPayment(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let value = try await JSONBody.decode(PaymentSettings.self, from: request)
        guard value.currency.count == 3, value.currency.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw ChorusError.invalid("invalid_currency", "currency must be a 3-letter ISO 4217 code such as EUR.")
        }
        try await settings.put("payment", value, audit: try entry(context, "settings.payment_changed",
                                                                   ["enabled": .bool(value.enabled), "provider": .string(value.provider)]))
        return try JSONBody.response(value)
    }
}
