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
