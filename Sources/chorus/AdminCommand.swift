import ArgumentParser
import ChorusCore
import ChorusServer
import ChorusStore

struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage administrators.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an admin member (non-interactive).")
        @OptionGroup var store: StoreOptions
        @Option(help: "Email address, used to sign in") var email: String
        @Option(help: "Password (at least 10 characters, not a common one)") var password: String
        @Option(help: "Display name") var name: String
        @Option(help: "Role: admin (default), supervisor, standard or restricted. Invite others from the app.") var role: Role = .admin

        func run() async throws {
            let (email, password, name, role) = (email, password, name, role)
            do {
                let member = try await Database.withDatabase(try store.databaseConfig(), logger: store.logger()) { db in
                    try await MemberAccounts(db: db).create(email: email, password: password, name: name, role: role)
                }
                print("Created \(role.rawValue) \(member.name) <\(member.email)> (id \(member.id)).")
            } catch let error as ChorusError {
                throw fail(error.message)
            }
        }
    }
}

extension Role: ExpressibleByArgument {}
