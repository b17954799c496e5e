import ChorusCore
import Foundation
import ServiceLifecycle

/// Simulated customers writing at a gentle rate: texts in several languages, locations,
/// replies and reactions to the business's messages, and images.
struct CustomerService: Service {
    let simulator: Simulator

    func run() async throws {
        let config = simulator.config
        guard config.customers > 0, config.customerRate > 0 else {
            // A service that returns would stop the whole group: idle until shutdown instead.
            try? await gracefulShutdown()
            return
        }
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1,
                            8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89, 0, 0, 0, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF,
                            0xC0, 0xF0, 0x1F, 0, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44,
                            0xAE, 0x42, 0x60, 0x82]
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let pause = -log(Double.random(in: 0.0001..<1)) / config.customerRate  // Poisson arrivals
                try? await Task.sleep(for: .seconds(min(pause, 30)))
                if Task.isCancelled { return }
                let index = Int.random(in: 0..<config.customers)
                let waID = CustomerScript.waID(index)
                let name = CustomerScript.name(index)
                let lastSent = await simulator.state.sent.last { $0.to == waID }
                switch CustomerScript.pickKind() {
                case .reaction where lastSent != nil:
                    _ = await simulator.customerWrites(from: waID, name: name, type: "reaction",
                                                       content: .object(["message_id": .string(lastSent!.id), "emoji": .string("👍")]))
                case .reply where lastSent != nil:
                    _ = await simulator.customerWrites(from: waID, name: name, type: "text",
                                                       content: .object(["body": .string("Thank you! 🙏")]), replyTo: lastSent!.id)
                case .location:
                    _ = await simulator.customerWrites(from: waID, name: name, type: "location",
                                                       content: CustomerScript.locations.randomElement()!)
                case .image:
                    let id = await simulator.state.storeMedia(png, mimeType: "image/png")
                    _ = await simulator.customerWrites(from: waID, name: name, type: "image",
                                                       content: .object(["id": .string(id), "mime_type": .string("image/png"),
                                                                         "caption": .string("Photo of the parcel")]))
                default:
                    _ = await simulator.customerWrites(from: waID, name: name, type: "text",
                                                       content: .object(["body": .string(CustomerScript.texts.randomElement()!)]))
                }
            }
        }
    }
}
