import ChorusCore
import ChorusStore
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The per-request context. `actor` is set by `AuthMiddleware` on authenticated API routes;
/// handlers read it through `requireActor()`, so an unauthenticated path cannot reach data.
public struct ChorusRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var actor: Actor?
    /// The connection's channel: the event socket writes its frames straight to it.
    public let channel: any Channel
    public let webSocket = WebSocketHandlerReference<ChorusRequestContext>()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// The client's IP address, formatted only where a handler asks (sign-in throttles, audit,
    /// devices): most requests — every webhook — never do.
    public var remoteAddress: String { channel.remoteAddress?.ipAddress ?? "" }

    /// Webhooks are collected with their own limit; other bodies stay small.
    public var maxUploadSize: Int { 101 << 20 }

    public func requireActor() throws -> Actor {
        guard let actor else { throw ChorusError.unauthenticated }
        return actor
    }
}

extension ChorusRequestContext {
    /// The audit entry for something the signed-in device does now: who, from which device and
    /// address, what, to what. Every controller records its changes through this.
    func audit(_ action: String, targetType: String = "", targetID: String = "", details: JSONValue = [:]) throws -> AuditEntry {
        let actor = try requireActor()
        return AuditEntry(actorMemberID: actor.memberID, deviceID: actor.deviceID, ip: remoteAddress, action: action,
                          targetType: targetType, targetID: targetID, details: details)
    }
}
