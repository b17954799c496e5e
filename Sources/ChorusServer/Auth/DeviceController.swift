import ChorusCore
import ChorusStore
import Hummingbird

/// A member's own devices: list them, sign one out, or sign out everywhere.
struct DeviceController {
    let devices: DeviceRepository
    let security: SecuritySettings
    let hub: DeviceHub

    struct DeviceView: Encodable {
        var device: DeviceRecord
        var current: Bool
        var outdatedOS: Bool
        var idleDays: Int
    }

    static func views(_ list: [DeviceRecord], current: Int64?, settings: WorkspaceSecurity) -> [DeviceView] {
        list.map { device in
            DeviceView(device: device, current: device.id == current,
                       outdatedOS: settings.isOutdated(os: device.os, version: device.osVersion),
                       idleDays: Int((Clock.nowMillis() - device.lastSeenAt) / 86_400_000))
        }
    }

    func list(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let settings = try await security.current()
        return try JSONBody.response(["items": Self.views(try await devices.list(memberID: actor.memberID), current: actor.deviceID,
                                                          settings: settings)])
    }

    func signOutDevice(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard let id = context.parameters.get("id").flatMap(Int64.init), let device = try await devices.find(id: id),
              device.memberId == actor.memberID else { throw ChorusError.notFound("The device") }
        try await devices.revoke(id: id, reason: "signed_out",
                                 audit: try context.audit("device.signed_out", targetType: "device", targetID: String(id)))
        hub.close(devices: [id], reason: "signed_out")
        return Response(status: .noContent)
    }

    /// "Log out all devices": every session of the caller, this one included unless
    /// `?keepCurrent=true`.
    func signOutAll(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let keep = request.uri.queryParameters.get("keepCurrent") == "true"
        let ids = try await devices.revokeAll(
            memberID: actor.memberID, reason: "logged_out_everywhere", except: keep ? actor.deviceID : nil,
            audit: try context.audit("device.signed_out_all", targetType: "member", targetID: String(actor.memberID)))
        hub.close(devices: ids, reason: "logged_out_everywhere")
        return try JSONBody.response(["signedOut": ids.count])
    }
}
