import ChorusCore
import ChorusStore

/// Builds the `Actor` the decision sees from the store: the member's rights as they are now,
/// their template's send window, the workspace's device rules and time zone. Used for every
/// request and to refresh open WebSockets when rights change.
struct ActorLoader: Sendable {
    let members: MemberRepository
    let devices: DeviceRepository
    let security: SecuritySettings

    func actor(device: DeviceRecord, member: MemberRecord, stepUp: StepUpLevel) async throws -> Actor {
        try await build(member: member, deviceID: device.id, deviceClass: device.deviceClass, stepUp: stepUp)
    }

    private func build(member: MemberRecord, deviceID: Int64, deviceClass: DeviceClass, stepUp: StepUpLevel) async throws -> Actor {
        let settings = try await security.current()
        let (template, overrides) = try await members.adjustments(memberID: member.id)
        return Actor(
            memberID: member.id, deviceID: deviceID, role: member.role,
            permissions: PermissionAdjustments.effective(role: member.role, template: template, overrides: overrides),
            deviceClass: deviceClass, sendWindow: template?.sendWindow,
            localMinute: SecuritySettings.localMinute(timeZone: settings.timeZone), stepUp: stepUp,
            deviceRestrictions: settings.deviceRestrictions,
            mustEnrollTwoFactor: !member.twoFactorEnabled && Self.twoFactorRequired(settings.twoFactorPolicy, role: member.role))
    }

    /// The same device's actor, fresh; nil when the device or member is gone.
    func reload(_ actor: Actor) async throws -> Actor? {
        guard let device = try await devices.find(id: actor.deviceID), let member = try await members.find(id: actor.memberID),
              member.active else { return nil }
        return try await self.actor(device: device, member: member, stepUp: actor.stepUp)
    }

    /// The member's rights as any of their devices would have them (visibility checks for
    /// mentions, say); device class and step-up do not matter there.
    func memberActor(_ member: MemberRecord) async throws -> Actor {
        try await build(member: member, deviceID: 0, deviceClass: .desktop, stepUp: .none)
    }

    static func twoFactorRequired(_ policy: WorkspaceSecurity.TwoFactorPolicy, role: Role) -> Bool {
        switch policy {
        case .optional: return false
        case .admins: return role == .admin
        case .everyone: return true
        }
    }
}
