/// Advice shown on the team page (PRODUCT.md §2): the 3-2-1 rule, admin backup, risky
/// combinations and the usual share of Standard members. Shown, never enforced.
public enum TeamAdvisories {
    public struct Member: Sendable {
        public var id: Int64
        public var name: String
        public var role: Role
        public var permissions: Set<Permission>
        public init(id: Int64, name: String, role: Role, permissions: Set<Permission>) {
            self.id = id
            self.name = name
            self.role = role
            self.permissions = permissions
        }
    }

    /// `message` is English; `params` are its numbers and names, so a client can word it in
    /// the member's language by `code` and `ok`.
    public struct Advisory: Sendable, Equatable, Codable {
        public var code: String
        public var ok: Bool
        public var message: String
        public var memberIds: [Int64]
        public var params: [String: String] = [:]
    }

    /// `members` are the active members.
    public static func evaluate(_ members: [Member]) -> [Advisory] {
        let total = max(members.count, 1)
        func share(_ holders: [Member]) -> Int { holders.count * 100 / total }
        func rule(_ code: String, _ limit: Int, _ holders: [Member], _ what: String) -> Advisory {
            let pct = share(holders)
            return Advisory(code: code, ok: pct <= limit,
                            message: "\(holders.count) of \(members.count) members (\(pct) %) \(what); the 3-2-1 rule suggests at most \(limit) %.",
                            memberIds: holders.map(\.id),
                            params: ["count": "\(holders.count)", "total": "\(members.count)", "percent": "\(pct)", "limit": "\(limit)"])
        }
        let broadcasters = members.filter { $0.permissions.contains(.sendBroadcasts) }
        let modifiers = members.filter { !$0.permissions.isDisjoint(with: Permission.modifiesData) }
        let deleters = members.filter { $0.permissions.contains(.deleteChatHistory) }
        let admins = members.filter { $0.role == .admin }
        let risky = members.filter { $0.permissions.isSuperset(of: [.deleteChatHistory, .sendBroadcasts]) }
        let standard = members.filter { $0.role == .standard }
        return [
            rule("broadcast_share", 30, broadcasters, "may send broadcasts"),
            rule("modify_share", 20, modifiers, "may change shared settings"),
            rule("delete_share", 10, deleters, "may delete chat history"),
            Advisory(code: "admin_backup", ok: admins.count >= 2,
                     message: admins.count >= 2 ? "\(admins.count) admins back each other up."
                        : "Only \(admins.count) admin: add a second so one can stand in for the other.",
                     memberIds: admins.map(\.id), params: ["count": "\(admins.count)"]),
            Advisory(code: "delete_and_broadcast", ok: risky.isEmpty,
                     message: risky.isEmpty ? "Nobody holds both Delete Chat History and Send Broadcasts."
                        : "\(risky.map(\.name).joined(separator: ", ")) \(risky.count == 1 ? "holds" : "hold") both Delete Chat History and Send Broadcasts, a combination linked to 3.7× more complaints.",
                     memberIds: risky.map(\.id), params: ["names": risky.map(\.name).joined(separator: ", ")]),
            Advisory(code: "standard_share", ok: members.count < 4 || (60...95).contains(share(standard)),
                     message: "\(share(standard)) % of members are Standard; well-run teams have about 80 %.",
                     memberIds: standard.map(\.id), params: ["percent": "\(share(standard))"]),
        ]
    }
}

/// Recommended team shapes by message volume (PRODUCT.md §2), which an admin can apply.
public struct TeamPreset: Sendable, Equatable, Codable {
    public var name: String
    public var description: String
    public var roles: [String: Int]
    public var teams: [String]

    public static let all: [TeamPreset] = [
        TeamPreset(name: "small", description: "Fewer than 50 messages a day: 1 admin and 2 standard members.",
                   roles: ["admin": 1, "standard": 2], teams: []),
        TeamPreset(name: "medium", description: "50–300 messages a day: 1 admin, 1 supervisor and 5 standard members.",
                   roles: ["admin": 1, "supervisor": 1, "standard": 5], teams: []),
        TeamPreset(name: "large", description: "More than 300 messages a day: 2 admins and Marketing, Customer Service and Logistics groups.",
                   roles: ["admin": 2], teams: ["Marketing", "Customer Service", "Logistics"]),
    ]
}
