/// What kind of device a session runs on; part of every permission decision (PRODUCT.md §3).
public enum DeviceClass: String, Sendable, Codable, CaseIterable {
    case desktop, tablet, mobile

    /// A best guess from the User-Agent header, used when the client does not say.
    public static func guess(userAgent: String) -> DeviceClass {
        let ua = userAgent.lowercased()
        if ua.contains("ipad") || ua.contains("tablet") || (ua.contains("android") && !ua.contains("mobile")) {
            return .tablet
        }
        if ua.contains("mobile") || ua.contains("iphone") || ua.contains("android") { return .mobile }
        return .desktop
    }
}

/// Rights a device class may not use even when the member holds them. The seed's defaults:
/// desktop sessions cannot change payment settings; tablet sessions cannot delete conversations.
public struct DeviceRestrictions: Sendable, Equatable, Codable {
    public var denied: [String: [Permission]]

    public init(_ denied: [DeviceClass: Set<Permission>]) {
        self.denied = Dictionary(uniqueKeysWithValues: denied.map { ($0.key.rawValue, $0.value.sorted()) })
    }

    public static let seed = DeviceRestrictions([.desktop: [.payment], .tablet: [.deleteChatHistory]])

    public func forbids(_ permission: Permission, on deviceClass: DeviceClass) -> Bool {
        denied[deviceClass.rawValue]?.contains(permission) ?? false
    }
}
