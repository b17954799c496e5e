import ChorusCore
import Testing

@Suite("AccessPolicy — the one permission decision")
struct AccessPolicyTests {
    func actor(_ role: Role, id: Int64 = 7) -> Actor {
        Actor(memberID: id, deviceID: 1, role: role, permissions: role.defaultPermissions, deviceClass: .desktop)
    }

    @Test("a restricted member sees only conversations assigned to them, and others are hidden (404), not forbidden")
    func restrictedScope() {
        let rita = actor(.restricted, id: 7)
        #expect(AccessPolicy.scope(for: rita) == .assignedTo(memberID: 7))
        #expect(AccessPolicy.decide(rita, .viewConversation(assigneeID: 7)) == .allow)
        #expect(AccessPolicy.decide(rita, .viewConversation(assigneeID: 8)) == .hidden)
        #expect(AccessPolicy.decide(rita, .viewConversation(assigneeID: nil)) == .hidden)
        #expect(AccessPolicy.decide(rita, .replyToConversation(assigneeID: 8)) == .hidden)
        #expect(AccessPolicy.decide(rita, .replyToConversation(assigneeID: 7)) == .allow)
    }

    @Test("standard, supervisor and admin members see every conversation", arguments: [Role.standard, .supervisor, .admin])
    func everyoneElseSeesAll(role: Role) {
        #expect(AccessPolicy.scope(for: actor(role)) == .all)
        #expect(AccessPolicy.decide(actor(role), .viewConversation(assigneeID: 99)) == .allow)
    }

    @Test("a member without send_messages may read but not reply")
    func noSendRight() {
        var permissions = Role.standard.defaultPermissions
        permissions.remove(.sendMessages)
        let reader = Actor(memberID: 1, deviceID: 1, role: .standard, permissions: permissions, deviceClass: .mobile)
        #expect(AccessPolicy.decide(reader, .viewConversation(assigneeID: nil)) == .allow)
        guard case .deny = AccessPolicy.decide(reader, .replyToConversation(assigneeID: nil)) else {
            Issue.record("reply should be denied")
            return
        }
    }

    @Test("decisions turn into the API's errors")
    func enforce() throws {
        #expect(throws: ChorusError.notFound("The conversation")) {
            try Decision.hidden.enforce(what: "The conversation")
        }
        do {
            try Decision.deny(code: "forbidden", message: "no").enforce(what: "x")
            Issue.record("expected a 403")
        } catch {
            #expect(error.status == 403 && error.code == "forbidden")
        }
        try Decision.allow.enforce(what: "x")
    }

    @Test("only members with manage_members or manage_channels may do those")
    func adminOnly() {
        #expect(AccessPolicy.decide(actor(.admin), .manageMembers) == .allow)
        #expect(AccessPolicy.decide(actor(.standard), .manageMembers) != .allow)
        #expect(AccessPolicy.decide(actor(.supervisor), .manageChannels) != .allow)
    }

    @Test("a send window allows replies only inside it, also across midnight")
    func sendWindow() {
        let night = TimeWindow("23:00-07:00")!
        var agent = actor(.standard)
        agent.sendWindow = night
        for (minute, allowed) in [(23 * 60, true), (2 * 60, true), (6 * 60 + 59, true), (7 * 60, false), (12 * 60, false), (22 * 60 + 59, false)] {
            agent.localMinute = minute
            let decision = AccessPolicy.decide(agent, .replyToConversation(assigneeID: nil))
            #expect((decision == .allow) == allowed, "minute \(minute)")
            if !allowed { #expect(decision == .deny(code: "outside_time_window", message: "You may send messages only between 23:00 and 07:00.")) }
            // Reading is never limited by the window.
            #expect(AccessPolicy.decide(agent, .viewConversation(assigneeID: nil)) == .allow)
        }
        #expect(TimeWindow("07:00-07:00")!.isEmpty)
        #expect(TimeWindow("25:00-07:00") == nil)
        #expect(TimeWindow("9:30-17:00")?.description == "09:30-17:00")
    }

    @Test("device class rules: desktop sessions cannot change payment settings, tablets cannot delete history")
    func deviceClasses() {
        func admin(_ deviceClass: DeviceClass, stepUp: StepUpLevel = .pinAndCode) -> Actor {
            Actor(memberID: 1, deviceID: 1, role: .admin, permissions: Role.admin.defaultPermissions, deviceClass: deviceClass, stepUp: stepUp)
        }
        #expect(AccessPolicy.decide(admin(.desktop), .changePaymentSettings) == .deny(code: "device_class_forbidden", message: "Changing payment settings is not allowed from a desktop session."))
        #expect(AccessPolicy.decide(admin(.mobile), .changePaymentSettings) == .allow)
        #expect(AccessPolicy.decide(admin(.tablet), .deleteConversation(assigneeID: nil)) != .allow)
        #expect(AccessPolicy.decide(admin(.desktop), .deleteConversation(assigneeID: nil)) == .allow)
        var custom = admin(.desktop)
        custom.deviceRestrictions = DeviceRestrictions([:])
        #expect(AccessPolicy.decide(custom, .changePaymentSettings) == .allow)
    }

    @Test("sensitive actions need the step-up PIN, payment needs PIN and code")
    func stepUp() {
        var a = Actor(memberID: 1, deviceID: 1, role: .admin, permissions: Role.admin.defaultPermissions, deviceClass: .mobile)
        #expect(AccessPolicy.decide(a, .changePermissions) == .stepUpRequired(.pin))
        #expect(AccessPolicy.decide(a, .exportConversations) == .stepUpRequired(.pin))
        #expect(AccessPolicy.decide(a, .manageMembers) == .allow)
        a.stepUp = .pin
        #expect(AccessPolicy.decide(a, .changePermissions) == .allow)
        #expect(AccessPolicy.decide(a, .changePaymentSettings) == .stepUpRequired(.pinAndCode))
        a.stepUp = .pinAndCode
        #expect(AccessPolicy.decide(a, .changePaymentSettings) == .allow)
    }

    @Test("templates and overrides adjust rights within the role's ceiling")
    func effectiveRights() {
        let nightShift = PermissionAdjustments(grants: [.exportChatHistory, .manageMembers], revokes: [.manageLabels])
        let rights = PermissionAdjustments.effective(role: .standard, template: nightShift, overrides: [.viewCustomerCatalog: false])
        #expect(rights.contains(.exportChatHistory))
        #expect(!rights.contains(.manageMembers), "beyond the standard role's ceiling")
        #expect(!rights.contains(.manageLabels))
        #expect(!rights.contains(.viewCustomerCatalog))
        #expect(PermissionAdjustments.effective(role: .restricted, template: nil, overrides: [.viewAllConversations: true]) == [.sendMessages])
    }

    @Test("the conflict check finds contradictions")
    func conflicts() {
        let templates = [
            PermissionConflicts.Template(id: 1, name: "Night", adjustments: .init(grants: [.manageMembers], sendWindow: TimeWindow("23:00-07:00"))),
            PermissionConflicts.Template(id: 2, name: "Early", adjustments: .init(grants: [.sendMessages], revokes: [.sendMessages], sendWindow: TimeWindow("06:00-14:00"))),
            PermissionConflicts.Template(id: 3, name: "Never", adjustments: .init(sendWindow: TimeWindow("08:00-08:00"))),
        ]
        let members = [
            PermissionConflicts.Member(id: 10, name: "Ana", role: .standard, templateID: 1, overrides: [:], assignedOpenConversations: 0),
            PermissionConflicts.Member(id: 11, name: "Rita", role: .restricted, templateID: nil, overrides: [.sendMessages: false], assignedOpenConversations: 3),
        ]
        let kinds = Set(PermissionConflicts.check(members: members, templates: templates).map(\.kind))
        #expect(kinds == ["template_beyond_role", "template_grants_and_revokes", "empty_time_window", "overlapping_time_windows",
                          "cannot_reply_to_assigned", "no_admin"])
        let fine = [PermissionConflicts.Member(id: 1, name: "Admin", role: .admin, templateID: nil, overrides: [:], assignedOpenConversations: 2)]
        #expect(PermissionConflicts.check(members: fine, templates: []).isEmpty)
    }

    @Test("advisories follow the 3-2-1 rule, admin backup and the delete+broadcast combination")
    func advisories() {
        var members = [TeamAdvisories.Member(id: 1, name: "A", role: .admin, permissions: Role.admin.defaultPermissions)]
        for i in 2...10 { members.append(.init(id: Int64(i), name: "S\(i)", role: .standard, permissions: Role.standard.defaultPermissions)) }
        let result = Dictionary(uniqueKeysWithValues: TeamAdvisories.evaluate(members).map { ($0.code, $0) })
        #expect(result["broadcast_share"]?.ok == true)
        #expect(result["delete_share"]?.ok == true)
        #expect(result["admin_backup"]?.ok == false)
        #expect(result["delete_and_broadcast"]?.memberIds == [1])
        #expect(result["standard_share"]?.ok == true)
    }

    @Test("outdated OS versions are recognised by dotted comparison")
    func outdatedOS() {
        let settings = WorkspaceSecurity()
        #expect(settings.isOutdated(os: "Android", version: "9"))
        #expect(!settings.isOutdated(os: "android", version: "14.1"))
        #expect(settings.isOutdated(os: "iOS", version: "15.7.2"))
        #expect(!settings.isOutdated(os: "linux", version: "1"))
    }
}
