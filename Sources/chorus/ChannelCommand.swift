import Foundation
import ArgumentParser
import ChorusCore
import ChorusStore

struct Channel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage WhatsApp business numbers.",
                                                    subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a business number (Cloud API credentials).")
        @OptionGroup var store: StoreOptions
        @Option(name: .customLong("phone-number-id")) var phoneNumberID: String
        @Option(name: .customLong("waba-id")) var wabaID: String
        @Option(name: .customLong("display-number")) var displayNumber: String
        @Option(name: .customLong("access-token")) var accessToken: String
        @Option(name: .customLong("app-secret")) var appSecret: String
        @Option(name: .customLong("verify-token")) var verifyToken: String
        @Option(name: .customLong("graph-url"), help: "Graph API base URL (default Meta's)") var graphURL = "https://graph.facebook.com"
        @Option(name: .customLong("api-version")) var apiVersion = "v23.0"
        @Option(help: "A name agents see for this number") var name = ""

        func run() async throws {
            let channel = NewChannel(phoneNumberID: phoneNumberID, wabaID: wabaID, displayNumber: displayNumber, name: name,
                                     accessToken: accessToken, appSecret: appSecret, verifyToken: verifyToken,
                                     graphURL: graphURL, apiVersion: apiVersion)
            guard apiVersion.range(of: #"^v\d+\.\d+$"#, options: .regularExpression) != nil else {
                throw fail("--api-version must look like v23.0")
            }
            do {
                let record = try await Database.withDatabase(try store.databaseConfig(), logger: store.logger()) { db in
                    try await ChannelRepository(db).add(channel)
                }
                print("Added channel \(record.id): \(record.displayNumber) (phone number id \(record.phoneNumberID)).")
            } catch let error as ChorusError {
                throw fail(error.message)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List business numbers.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let channels = try await Database.withDatabase(try store.databaseConfig(), logger: store.logger()) { db in
                try await ChannelRepository(db).list()
            }
            if channels.isEmpty { print("No channels yet. Add one with `chorus channel add`."); return }
            print("ID  PHONE NUMBER ID      WABA ID              DISPLAY NUMBER     GRAPH URL")
            for c in channels {
                print("\(c.id)".padding(toLength: 4, withPad: " ", startingAt: 0)
                      + c.phoneNumberID.padding(toLength: 21, withPad: " ", startingAt: 0)
                      + c.wabaID.padding(toLength: 21, withPad: " ", startingAt: 0)
                      + c.displayNumber.padding(toLength: 19, withPad: " ", startingAt: 0)
                      + "\(c.graphURL)/\(c.apiVersion)")
            }
        }
    }
}
