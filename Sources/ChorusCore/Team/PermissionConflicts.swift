/// The conflict check (PRODUCT.md §2): contradictions between roles, templates and overrides
/// that an admin should fix. Run daily at 04:00 and on demand; pure so every rule is unit-tested.
public enum PermissionConflicts {
    public struct Template: Sendable {
        public var id: Int64
        public var name: String
        public var adjustments: PermissionAdjustments
        public init(id: Int64, name: String, adjustments: PermissionAdjustments) {
            self.id = id
            self.name = name
            self.adjustments = adjustments
        }
    }

    public struct Member: Sendable {
        public var id: Int64
        public var name: String
        public var role: Role
        public var templateID: Int64?
        public var overrides: [Permission: Bool]
        /// Open conversations assigned to this member.
        public var assignedOpenConversations: Int
        public init(id: Int64, name: String, role: Role, templateID: Int64?, overrides: [Permission: Bool],
                    assignedOpenConversations: Int) {
            self.id = id
            self.name = name
            self.role = role
            self.templateID = templateID
            self.overrides = overrides
            self.assignedOpenConversations = assignedOpenConversations
        }
    }

    /// `message` is English; `params` hold its names and numbers so a client can word it in the
    /// member's language by `kind` (optional: reports stored before it existed have none).
    public struct Finding: Sendable, Equatable, Codable {
        public var kind: String
        public var severity: String
        public var subject: String
        public var message: String
        public var params: [String: String]?

        public init(kind: String, severity: String, subject: String, message: String, params: [String: String]? = nil) {
            self.kind = kind
            self.severity = severity
            self.subject = subject
            self.message = message
            self.params = params
        }
    }

    /// `members` are the active members only.
    public static func check(members: [Member], templates: [Template]) -> [Finding] {
        var findings: [Finding] = []
        let byID = Dictionary(uniqueKeysWithValues: templates.map { ($0.id, $0) })

        for template in templates {
            let both = template.adjustments.grants.intersection(template.adjustments.revokes)
            if !both.isEmpty {
                findings.append(Finding(kind: "template_grants_and_revokes", severity: "error", subject: "template:\(template.id)",
                    message: "Template \"\(template.name)\" both grants and removes \(names(both)).",
                    params: ["template": template.name, "permissions": names(both)]))
            }
            if let window = template.adjustments.sendWindow, window.isEmpty {
                findings.append(Finding(kind: "empty_time_window", severity: "error", subject: "template:\(template.id)",
                    message: "Template \"\(template.name)\" has an empty send window (\(window)): its members can never send.",
                    params: ["template": template.name, "window": "\(window)"]))
            }
        }
        let windowed = templates.filter { $0.adjustments.sendWindow.map { !$0.isEmpty } ?? false }
        for (i, a) in windowed.enumerated() {
            for b in windowed.dropFirst(i + 1) where overlap(a.adjustments.sendWindow!, b.adjustments.sendWindow!) {
                findings.append(Finding(kind: "overlapping_time_windows", severity: "warning", subject: "template:\(a.id),\(b.id)",
                    message: "The send windows of \"\(a.name)\" (\(a.adjustments.sendWindow!)) and \"\(b.name)\" (\(b.adjustments.sendWindow!)) overlap.",
                    params: ["template": a.name, "window": "\(a.adjustments.sendWindow!)", "other": b.name, "otherWindow": "\(b.adjustments.sendWindow!)"]))
            }
        }

        for member in members {
            let template = member.templateID.flatMap { byID[$0] }
            if let template {
                let beyond = template.adjustments.grants.subtracting(member.role.ceiling)
                if !beyond.isEmpty {
                    findings.append(Finding(kind: "template_beyond_role", severity: "warning", subject: "member:\(member.id)",
                        message: "Template \"\(template.name)\" grants \(names(beyond)), which the \(member.role.rawValue) role of \(member.name) does not allow; it has no effect.",
                        params: ["template": template.name, "permissions": names(beyond), "role": member.role.rawValue, "member": member.name]))
                }
                for (permission, granted) in member.overrides where granted ? template.adjustments.revokes.contains(permission)
                                                                            : template.adjustments.grants.contains(permission) {
                    findings.append(Finding(kind: "override_contradicts_template", severity: "info", subject: "member:\(member.id)",
                        message: "\(member.name) has \(permission.rawValue) \(granted ? "granted" : "removed") although template \"\(template.name)\" \(granted ? "removes" : "grants") it; the override wins.",
                        params: ["member": member.name, "permissions": permission.rawValue, "template": template.name, "granted": granted ? "true" : "false"]))
                }
            }
            let overBeyond = Set(member.overrides.filter { $0.value }.keys).subtracting(member.role.ceiling)
            if !overBeyond.isEmpty {
                findings.append(Finding(kind: "override_beyond_role", severity: "warning", subject: "member:\(member.id)",
                    message: "\(member.name) has \(names(overBeyond)) granted, which the \(member.role.rawValue) role does not allow; it has no effect.",
                    params: ["member": member.name, "permissions": names(overBeyond), "role": member.role.rawValue]))
            }
            let rights = PermissionAdjustments.effective(role: member.role, template: template?.adjustments, overrides: member.overrides)
            let windowClosed = template?.adjustments.sendWindow?.isEmpty ?? false
            if member.assignedOpenConversations > 0 && (!rights.contains(.sendMessages) || windowClosed) {
                findings.append(Finding(kind: "cannot_reply_to_assigned", severity: "error", subject: "member:\(member.id)",
                    message: "\(member.name) has \(member.assignedOpenConversations) open conversation(s) assigned but cannot send messages.",
                    params: ["member": member.name, "count": "\(member.assignedOpenConversations)"]))
            }
        }

        let admins = members.filter { member in
            let template = member.templateID.flatMap { byID[$0] }?.adjustments
            return PermissionAdjustments.effective(role: member.role, template: template, overrides: member.overrides).contains(.manageMembers)
        }
        if admins.isEmpty {
            findings.append(Finding(kind: "no_admin", severity: "error", subject: "workspace",
                message: "No active member can manage members: nobody could add, fix or remove anyone.", params: [:]))
        }
        return findings
    }

    static func overlap(_ a: TimeWindow, _ b: TimeWindow) -> Bool {
        // Compare minute by minute over a day: windows are tiny, and wrap-around makes
        // interval arithmetic easy to get wrong.
        stride(from: 0, to: 1440, by: 5).contains { a.contains(minute: $0) && b.contains(minute: $0) }
    }

    static func names(_ permissions: Set<Permission>) -> String {
        permissions.sorted().map(\.rawValue).joined(separator: ", ")
    }
}
