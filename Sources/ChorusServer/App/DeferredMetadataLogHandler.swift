import Logging

/// swift-log's `StreamLogHandler` (same output, to stderr), except that metadata is formatted
/// only when a line is written. `StreamLogHandler` formats its metadata on every change, and
/// Hummingbird gives every request's logger a fresh request id: under webhook ingest that was
/// ~1.5 % of the server's CPU spent formatting ids for lines that are never written.
public struct DeferredMetadataLogHandler: LogHandler {
    /// Writes the lines; its own metadata is set from ours, once per line written.
    private var stream: StreamLogHandler
    public var metadata: Logger.Metadata = [:]

    public init(label: String) {
        stream = StreamLogHandler.standardError(label: label)
    }

    /// A logger with this handler at `level`.
    public static func logger(label: String, level: Logger.Level) -> Logger {
        var logger = Logger(label: label, factory: { DeferredMetadataLogHandler(label: $0) })
        logger.logLevel = level
        return logger
    }

    public var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var writer = stream
        writer.metadata = metadata
        writer.log(event: event)
    }
}
