import ChorusCore
import ChorusStore
import Foundation
import HummingbirdBcrypt
import Hummingbird

/// Two-step verification for oneself: TOTP enrolment with recovery codes, the 6-digit step-up
/// PIN (changed every 90 days by default) and stepping a device up before sensitive actions.
struct TwoFactorController {
    let members: MemberRepository
    let twoFactor: TwoFactorRepository
    let devices: DeviceRepository
    let throttle: ThrottleRepository
    let security: SecuritySettings
    let bcryptCost: UInt8

    func entry(_ context: ChorusRequestContext, _ actor: Actor, _ action: String) throws -> AuditEntry {
        try context.audit(action, targetType: "member", targetID: String(actor.memberID))
    }

    func status(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let state = try await twoFactor.state(memberID: actor.memberID)
        let settings = try await security.current()
        struct Status: Encodable {
            var totpEnabled: Bool
            var recoveryCodesLeft: Int
            var pinSet: Bool
            var pinExpiresAt: Int64?
            var pinExpired: Bool
            var required: Bool
        }
        let expires = state.pinChangedAt.map { $0 + Int64(settings.pinRotationDays) * 86_400_000 }
        return try JSONBody.response(Status(
            totpEnabled: state.totpEnabled, recoveryCodesLeft: state.recoveryCodesLeft, pinSet: state.pinHash != nil,
            pinExpiresAt: expires, pinExpired: expires.map { $0 < Clock.nowMillis() } ?? false,
            required: ActorLoader.twoFactorRequired(settings.twoFactorPolicy, role: actor.role)))
    }

    func beginTOTP(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard let member = try await members.find(id: actor.memberID) else { throw ChorusError.unauthenticated }
        if member.twoFactorEnabled {
            throw ChorusError.conflict("two_factor_already_enabled", "Two-step verification is already on. Turn it off first to start again.")
        }
        let secret = TwoFactorCodes.newSecret()
        try await twoFactor.beginTOTP(memberID: actor.memberID, secret: secret)
        let url = TwoFactorCodes.authenticatorURL(secret: secret, email: member.email)
        struct Enrolment: Encodable { var otpauthUrl: String; var qrSvg: String? }
        return try JSONBody.response(Enrolment(otpauthUrl: url, qrSvg: QRCodeImage.svg(for: url)), status: .created)
    }

    struct CodeBody: Decodable { var code: String }

    func confirmTOTP(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await JSONBody.decode(CodeBody.self, from: request)
        let state = try await twoFactor.state(memberID: actor.memberID)
        guard let secret = state.totpSecret, !state.totpEnabled else {
            throw ChorusError.conflict("two_factor_not_started", "Start two-step set-up first.")
        }
        guard TwoFactorCodes.verify(body.code, secret: secret) else {
            throw ChorusError.invalid("invalid_two_factor_code", "That code is not correct. Check the time on your phone.")
        }
        let codes = TwoFactorCodes.newRecoveryCodes()
        try await twoFactor.enableTOTP(memberID: actor.memberID, recoveryCodeHashes: codes.map(TwoFactorCodes.hashRecoveryCode),
                                       audit: try entry(context, actor, "two_factor.enabled"))
        return try JSONBody.response(["recoveryCodes": codes])
    }

    /// Turning two-step off or renewing recovery codes needs a current code.
    func requireCode(_ code: String, memberID: Int64) async throws {
        let state = try await twoFactor.state(memberID: memberID)
        guard state.totpEnabled, let secret = state.totpSecret else {
            throw ChorusError.conflict("two_factor_not_enabled", "Two-step verification is not on.")
        }
        guard TwoFactorCodes.verify(code, secret: secret) else {
            throw ChorusError.invalid("invalid_two_factor_code", "That code is not correct.")
        }
    }

    func disableTOTP(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        try await requireCode(try await JSONBody.decode(CodeBody.self, from: request).code, memberID: actor.memberID)
        try await twoFactor.disableTOTP(memberID: actor.memberID, audit: try entry(context, actor, "two_factor.disabled"))
        return Response(status: .noContent)
    }

    func renewRecoveryCodes(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        try await requireCode(try await JSONBody.decode(CodeBody.self, from: request).code, memberID: actor.memberID)
        let codes = TwoFactorCodes.newRecoveryCodes()
        try await twoFactor.replaceRecoveryCodes(memberID: actor.memberID, hashes: codes.map(TwoFactorCodes.hashRecoveryCode))
        return try JSONBody.response(["recoveryCodes": codes])
    }

    struct PINBody: Decodable {
        var pin: String
        /// Required to change an existing PIN; the account password also works if it was forgotten.
        var currentPin: String?
        var password: String?
    }

    func setPIN(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await JSONBody.decode(PINBody.self, from: request)
        guard TwoFactorCodes.isPIN(body.pin) else {
            throw ChorusError.invalid("invalid_pin", "The PIN must be exactly 6 digits.")
        }
        guard Set(body.pin).count > 2, !"0123456789".contains(body.pin), !"9876543210".contains(body.pin) else {
            throw ChorusError.invalid("weak_pin", "Choose a PIN that is not a run or a repeated digit.")
        }
        let state = try await twoFactor.state(memberID: actor.memberID)
        if let existing = state.pinHash {
            let byPIN = body.currentPin.map { Bcrypt.verify($0, hash: existing) } ?? false
            var byPassword = false
            if let password = body.password, let hash = try await members.passwordHash(memberID: actor.memberID) {
                byPassword = Bcrypt.verify(password, hash: hash)
            }
            guard byPIN || byPassword else {
                throw ChorusError(status: 403, code: "invalid_pin", message: "Give your current PIN (or your password) to change it.")
            }
            if Bcrypt.verify(body.pin, hash: existing) {
                throw ChorusError.invalid("pin_reused", "Choose a PIN different from the current one.")
            }
        }
        try await twoFactor.setPIN(memberID: actor.memberID, hash: Bcrypt.hash(body.pin, cost: bcryptCost),
                                   audit: try entry(context, actor, "pin.changed"))
        return Response(status: .noContent)
    }

    struct StepUpBody: Decodable {
        var pin: String
        /// An authenticator code, for actions that need both (payment).
        var code: String?
    }

    func stepUp(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await JSONBody.decode(StepUpBody.self, from: request)
        let settings = try await security.current()
        let keys = ["pin:member:\(actor.memberID)"]
        if try await throttle.lockedUntil(keys) != nil {
            throw ChorusError(status: 429, code: "pin_locked", message: "Too many wrong PINs. Try again later.")
        }
        let state = try await twoFactor.state(memberID: actor.memberID)
        guard let hash = state.pinHash else {
            throw ChorusError(status: 403, code: "pin_not_set", message: "Set a step-up PIN first.")
        }
        if let changed = state.pinChangedAt, Clock.nowMillis() - changed > Int64(settings.pinRotationDays) * 86_400_000 {
            throw ChorusError(status: 403, code: "pin_expired",
                              message: "Your PIN is older than \(settings.pinRotationDays) days. Choose a new one first.")
        }
        guard Bcrypt.verify(body.pin, hash: hash) else {
            try await throttle.recordFailure(keys, rule: .init(maxFailures: settings.loginMaxFailures,
                                                               windowMillis: Int64(settings.loginWindowMinutes) * 60_000,
                                                               lockoutMillis: Int64(settings.loginLockoutMinutes) * 60_000))
            throw ChorusError(status: 403, code: "invalid_pin", message: "That PIN is not correct.")
        }
        var level = StepUpLevel.pin
        if let code = body.code {
            guard state.totpEnabled, let secret = state.totpSecret, TwoFactorCodes.verify(code, secret: secret) else {
                throw ChorusError(status: 403, code: "invalid_two_factor_code", message: "That authenticator code is not correct.")
            }
            level = .pinAndCode
        }
        try await throttle.clear(keys)
        try await twoFactor.markVerified(memberID: actor.memberID)
        let until = Clock.nowMillis() + Int64(settings.stepUpMinutes) * 60_000
        try await devices.stepUp(deviceID: actor.deviceID, level: level, until: until)
        struct SteppedUp: Encodable { var level: StepUpLevel; var until: Int64 }
        return try JSONBody.response(SteppedUp(level: level, until: until))
    }
}
