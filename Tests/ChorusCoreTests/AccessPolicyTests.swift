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
            try Decision.deny("no").enforce(what: "x")
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
}
