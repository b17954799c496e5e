import ArgumentParser

@main
struct ChorusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chorus",
        abstract: "Chorus — a self-hosted shared team inbox for the WhatsApp Business Platform.",
        subcommands: [Serve.self, Demo.self, Migrate.self, Admin.self, Channel.self, Sim.self, BenchBaseline.self])
}
