internal import CExpat

#if canImport(Glibc)
    import Glibc
#endif

/// An incremental XMPP stream parser over Expat: feed it whatever each read returned and it reports
/// the stream header, each complete top-level element, the stream close, or the error that must end
/// the stream (RFC 6120 §11 restricted XML, the configured limits, malformed XML).
///
/// After a top-level element for which `pausesAfter` is true (by default `<proceed/>`, `<starttls/>`
/// and `<success/>`, the points where RFC 6120 restarts the stream) the parser stops and keeps the
/// rest of that read untouched: `restart()` hands those bytes back (for TLS, or for the fresh stream).
public final class XMPPStreamParser {
    public let limits: StreamLimits
    private let pausesAfter: (Element) -> Bool

    private enum State { case running, paused, closed, failed }

    private let parser: XML_Parser
    // Every handler runs on the loop thread inside `feed`, and no access to these properties overlaps
    // another: dynamic exclusivity checks would cost about 7% of parse time for nothing.
    @exclusivity(unchecked) private var state = State.running
    @exclusivity(unchecked) private var events: [StreamEvent] = []
    private var remainder: [UInt8] = []
    @exclusivity(unchecked) private var interner = StringInterner()

    /// 0 before the header, 1 inside the stream, 2 inside a stanza, and so on.
    @exclusivity(unchecked) private var depth = 0
    /// The open elements of the current stanza; the stanza itself first.
    @exclusivity(unchecked) private var stack: [Element] = []
    @exclusivity(unchecked) private var text: [UInt8] = []
    @exclusivity(unchecked) private var declarationsSinceLastElement = 0
    @exclusivity(unchecked) private var strayText = false
    private var headerDeclarations: [NamespaceDeclaration] = []

    /// Bytes handed to Expat since the last (re)start, and where the unit being parsed (header,
    /// stanza or inter-stanza whitespace) began: the difference is what the stanza limit caps.
    /// Expat never gets more than one byte past the limit, so checks after each `XML_Parse` call (and
    /// at the end of each stanza) see exactly what they would see had the bytes come one at a time.
    @exclusivity(unchecked) private(set) var bytesFed = 0
    @exclusivity(unchecked) private var unitStart = 0
    private var pauseIndex = 0

    /// Expat gets at most this much per call: Expat copies each call's input into its own buffer,
    /// which then stays about twice this size (16 KiB slices left 41 KB allocated, 4 KiB 16 KB).
    private static let sliceBytes = 4 * 1024

    /// `pausesAfter` runs inside Expat's callback for each top-level element: it must decide from the
    /// element alone and must not call back into this parser.
    public init(limits: StreamLimits = StreamLimits(), pausesAfter: @escaping (Element) -> Bool = isRestartPoint) {
        self.limits = limits
        self.pausesAfter = pausesAfter
        self.parser = ExpatMemory.createParser()
        installHandlers()
    }

    deinit { XML_ParserFree(parser) }

    /// `<proceed/>` and `<starttls/>` (urn:ietf:params:xml:ns:xmpp-tls) and `<success/>`
    /// (urn:ietf:params:xml:ns:xmpp-sasl): after these the next bytes belong to TLS or a new stream.
    public static func isRestartPoint(_ element: Element) -> Bool {
        switch element.namespace {
        case XMPPNamespace.tls: element.name == "proceed" || element.name == "starttls"
        case XMPPNamespace.sasl: element.name == "success"
        default: false
        }
    }

    /// True after a restart point, until `restart()`.
    public var isPaused: Bool { state == .paused }

    /// Parses `bytes` and returns the events they complete. After a restart point the parser keeps
    /// the remaining bytes (and any fed later) for `restart()`; after `.closed` or `.failed` it ignores input.
    public func feed(_ bytes: UnsafeRawBufferPointer) -> [StreamEvent] {
        switch state {
        case .paused:
            keepForRestart(bytes)
            let reported = events
            events = []
            return reported
        case .closed, .failed:
            return []
        case .running:
            break
        }
        guard let base = bytes.baseAddress else { return [] }
        if bytesFed < 2 { checkStreamStart(bytes) }
        var offset = 0
        while offset < bytes.count && state == .running {
            // Never let Expat see past the first byte over the stanza limit: it then reports exactly
            // what it would have reported had the bytes come one at a time.
            let length = min(Self.sliceBytes, bytes.count - offset, unitStart + limits.maxStanzaBytes + 1 - bytesFed)
            let sliceStart = bytesFed
            bytesFed += length
            let status = XML_Parse(
                parser, (base + offset).assumingMemoryBound(to: CChar.self), Int32(length), 0
            )
            if status == XML_STATUS_ERROR && state == .running {
                fail(Self.streamError(for: XML_GetErrorCode(parser)))
            }
            if state == .paused {
                keepForRestart(UnsafeRawBufferPointer(rebasing: bytes[(offset + pauseIndex - sliceStart)...]))
            } else if state == .running && bytesFed - unitStart > limits.maxStanzaBytes {
                fail(stanzaTooLarge)
            }
            offset += length
        }
        let reported = events
        events = []
        return reported
    }

    public func feed(_ bytes: [UInt8]) -> [StreamEvent] {
        bytes.withUnsafeBytes { feed($0) }
    }

    /// Starts a fresh stream (after TLS or SASL success): new parser state with the same limits.
    /// Returns the bytes that arrived after the restart point and were not parsed.
    @discardableResult
    public func restart() -> [UInt8] {
        _ = XML_ParserReset(parser, "UTF-8")
        installHandlers()
        state = .running
        events.removeAll(keepingCapacity: true)
        depth = 0
        stack.removeAll(keepingCapacity: true)
        text.removeAll(keepingCapacity: true)
        declarationsSinceLastElement = 0
        strayText = false
        headerDeclarations.removeAll()
        bytesFed = 0
        unitStart = 0
        pauseIndex = 0
        let pending = remainder
        remainder = []
        return pending
    }

    // MARK: - Expat set-up

    private func installHandlers() {
        XML_SetUserData(parser, Unmanaged.passUnretained(self).toOpaque())
        shim_expat_disable_reparse_deferral(parser)
        shim_expat_seed_hash(parser)
        XML_SetElementHandler(
            parser,
            { userData, name, attributes in
                XMPPStreamParser.from(userData).startElement(name!, attributes!)
            },
            { userData, _ in XMPPStreamParser.from(userData).endElement() }
        )
        XML_SetCharacterDataHandler(parser) { userData, bytes, length in
            XMPPStreamParser.from(userData).characterData(bytes!, Int(length))
        }
        XML_SetStartNamespaceDeclHandler(parser) { userData, prefix, uri in
            XMPPStreamParser.from(userData).namespaceDeclaration(prefix, uri)
        }
        XML_SetXmlDeclHandler(parser) { userData, version, encoding, _ in
            XMPPStreamParser.from(userData).xmlDeclaration(version, encoding)
        }
        XML_SetStartDoctypeDeclHandler(parser) { userData, _, _, _, _ in
            XMPPStreamParser.from(userData).restricted("a DOCTYPE (DTD) is not allowed in XMPP")
        }
        XML_SetEntityDeclHandler(parser) { userData, _, _, _, _, _, _, _, _ in
            XMPPStreamParser.from(userData).restricted("entity declarations are not allowed in XMPP")
        }
        XML_SetSkippedEntityHandler(parser) { userData, _, _ in
            XMPPStreamParser.from(userData).restricted("only the five predefined entities may be referenced")
        }
        XML_SetCommentHandler(parser) { userData, _ in
            XMPPStreamParser.from(userData).restricted("comments are not allowed in XMPP")
        }
        XML_SetProcessingInstructionHandler(parser) { userData, _, _ in
            XMPPStreamParser.from(userData).restricted("processing instructions are not allowed in XMPP")
        }
    }

    private static func from(_ userData: UnsafeMutableRawPointer?) -> XMPPStreamParser {
        Unmanaged<XMPPStreamParser>.fromOpaque(userData!).takeUnretainedValue()
    }

    // MARK: - Handlers

    /// The stream offset just past the current Expat event.
    private var eventEnd: Int {
        Int(shim_expat_byte_index(parser) + shim_expat_byte_count(parser))
    }

    private func startElement(
        _ name: UnsafePointer<CChar>, _ attributes: UnsafeMutablePointer<UnsafePointer<CChar>?>
    ) {
        guard state == .running else { return }
        if strayText { return fail(strayTextError) }
        let declarations = declarationsSinceLastElement
        declarationsSinceLastElement = 0
        if declarations > limits.maxNamespaceDeclarations {
            return fail(
                StreamError(
                    .policyViolation,
                    "more than \(limits.maxNamespaceDeclarations) namespace declarations on one element"
                        + " (limit: max namespace declarations)"
                )
            )
        }
        var attributeCount = 0
        while attributes[2 * attributeCount] != nil { attributeCount += 1 }
        if attributeCount > limits.maxAttributes {
            return fail(
                StreamError(
                    .policyViolation,
                    "more than \(limits.maxAttributes) attributes on one element (limit: max attributes)"
                )
            )
        }
        if depth == 0 { return streamOpened(name, attributes, attributeCount) }

        if depth == 1 {
            unitStart = Int(shim_expat_byte_index(parser))
        } else {
            flushText()
        }
        depth += 1
        if depth - 1 > limits.maxDepth {
            return fail(
                StreamError(
                    .policyViolation, "elements nested deeper than \(limits.maxDepth) (limit: max depth)"
                )
            )
        }
        var element = qualifiedName(name) { Element($0, namespace: $1) }
        if attributeCount > 0 {
            element.attributes.reserveCapacity(attributeCount)
            for index in 0..<attributeCount {
                let attribute = qualifiedName(attributes[2 * index]!) { name, namespace in
                    Attribute(name, Self.string(attributes[2 * index + 1]!), namespace: namespace)
                }
                element.attributes.append(attribute)
            }
        }
        stack.append(element)
    }

    private func endElement() {
        guard state == .running else { return }
        if strayText { return fail(strayTextError) }
        if depth == 1 {
            depth = 0
            state = .closed
            events.append(.closed)
            XML_StopParser(parser, shim_expat_false())
            return
        }
        flushText()
        depth -= 1
        let finished = stack.removeLast()
        if !stack.isEmpty {
            stack[stack.count - 1].children.append(.element(finished))
            return
        }
        let end = eventEnd
        if end - unitStart > limits.maxStanzaBytes { return fail(stanzaTooLarge) }
        unitStart = end
        events.append(.element(finished))
        if pausesAfter(finished) {
            state = .paused
            pauseIndex = end
            XML_StopParser(parser, shim_expat_false())
        }
    }

    private func characterData(_ bytes: UnsafePointer<CChar>, _ length: Int) {
        guard state == .running else { return }
        let run = UnsafeRawBufferPointer(start: bytes, count: length)
        if depth <= 1 {
            if !strayText { streamLevelText(run) }
            return
        }
        text.append(contentsOf: run)
    }

    /// Whitespace between stanzas (keepalives) restarts the byte count; other text is refused at the
    /// next element boundary, because Expat hands over partial text runs only when a read ends inside
    /// them and an immediate error would depend on chunking. The count restarts at the first
    /// non-whitespace byte, which lies at the same stream offset however the text was split.
    private func streamLevelText(_ run: UnsafeRawBufferPointer) {
        let start = Int(shim_expat_byte_index(parser))
        let length = Int(shim_expat_byte_count(parser))
        guard let first = run.firstIndex(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else {
            unitStart = start + length
            return
        }
        strayText = true
        // A run maps byte for byte onto the input unless it came from one reference (`&#120;`).
        unitStart = run.count == length ? start + first : start
    }

    private func namespaceDeclaration(_ prefix: UnsafePointer<CChar>?, _ uri: UnsafePointer<CChar>?) {
        guard state == .running else { return }
        declarationsSinceLastElement += 1
        if depth == 0 && declarationsSinceLastElement <= limits.maxNamespaceDeclarations {
            headerDeclarations.append(
                NamespaceDeclaration(prefix: prefix.map(Self.string) ?? "", namespace: uri.map(Self.string) ?? "")
            )
        }
    }

    private func xmlDeclaration(_ version: UnsafePointer<CChar>?, _ encoding: UnsafePointer<CChar>?) {
        guard state == .running else { return }
        if let version, Self.string(version) != "1.0" {
            return restricted("only XML version 1.0 is allowed")
        }
        if let encoding {
            let name = Self.string(encoding)
            if name.count != 5 || !name.utf8.elementsEqual("utf-8".utf8, by: { ($0 | 0x20) == $1 }) {
                fail(StreamError(.unsupportedEncoding, "the stream must be UTF-8"))
            }
        }
    }

    private func restricted(_ what: String) {
        guard state == .running else { return }
        fail(StreamError(.restrictedXML, what))
    }

    /// Keeps bytes after a restart point for `restart()`, but not without bound if the owner never restarts.
    private func keepForRestart(_ bytes: UnsafeRawBufferPointer) {
        guard remainder.count + bytes.count <= limits.maxStanzaBytes else {
            remainder = []
            state = .failed
            events.append(.failed(StreamError(.policyViolation, "too many bytes after a stream restart point")))
            return
        }
        remainder.append(contentsOf: bytes)
    }

    /// Expat switches to UTF-16 when a stream starts with a UTF-16 byte order mark or has a NUL among
    /// its first two bytes, even though the parser was created for UTF-8, and whether it does depends
    /// on how those bytes were chunked. Refuse such starts before Expat sees them.
    private func checkStreamStart(_ bytes: UnsafeRawBufferPointer) {
        var position = bytesFed
        for byte in bytes.prefix(2 - bytesFed) {
            if position == 0 {
                switch byte {
                case 0x00, 0xFE, 0xFF:
                    return fail(StreamError(.unsupportedEncoding, "the stream must be UTF-8"))
                case UInt8(ascii: "<"), 0x20, 0x09, 0x0A, 0x0D, 0xEF:
                    break
                default:
                    return fail(StreamError(.notWellFormed, "the stream must start with '<'"))
                }
            } else if byte == 0x00 {
                return fail(StreamError(.unsupportedEncoding, "the stream must be UTF-8"))
            }
            position += 1
        }
    }

    private func fail(_ error: StreamError) {
        guard state == .running else { return }
        state = .failed
        events.append(.failed(error))
        XML_StopParser(parser, shim_expat_false())
    }

    private var strayTextError: StreamError {
        StreamError(.badFormat, "character data between stanzas is not allowed")
    }

    private var stanzaTooLarge: StreamError {
        StreamError(
            .policyViolation, "stanza larger than \(limits.maxStanzaBytes) bytes (limit: max stanza bytes)"
        )
    }

    // MARK: - Tree building

    private func flushText() {
        if text.isEmpty { return }
        let run = text.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
        text.removeAll(keepingCapacity: true)
        stack[stack.count - 1].children.append(.text(run))
    }

    private func streamOpened(
        _ name: UnsafePointer<CChar>, _ attributes: UnsafeMutablePointer<UnsafePointer<CChar>?>, _ count: Int
    ) {
        let (local, namespace) = qualifiedName(name) { ($0, $1) }
        guard namespace == XMPPNamespace.streams, local == "stream" else {
            return fail(
                StreamError(.invalidNamespace, "the stream must open with <stream> in \(XMPPNamespace.streams)")
            )
        }
        var header = StreamHeader(contentNamespace: "", namespaceDeclarations: headerDeclarations)
        header.contentNamespace = headerDeclarations.last(where: { $0.prefix.isEmpty })?.namespace ?? ""
        for index in 0..<count {
            let (attribute, attributeNamespace) = qualifiedName(attributes[2 * index]!) { ($0, $1) }
            let value = Self.string(attributes[2 * index + 1]!)
            switch (attributeNamespace, attribute) {
            case ("", "to"): header.to = value
            case ("", "from"): header.from = value
            case ("", "id"): header.id = value
            case ("", "version"): header.version = value
            case (XMPPNamespace.xml, "lang"): header.language = value
            default: break
            }
        }
        headerDeclarations.removeAll()
        depth = 1
        unitStart = eventEnd
        events.append(.opened(header))
    }

    /// Splits Expat's "uri\u{1}local" (or plain "local") and builds a value from (local, namespace).
    private func qualifiedName<T>(_ name: UnsafePointer<CChar>, _ build: (String, String) -> T) -> T {
        let bytes = UnsafeRawPointer(name).assumingMemoryBound(to: UInt8.self)
        var separator = -1
        var length = 0
        while bytes[length] != 0 {
            if bytes[length] == 1 { separator = length }
            length += 1
        }
        if separator < 0 {
            return build(interner.string(UnsafeBufferPointer(start: bytes, count: length)), "")
        }
        let namespace = interner.string(UnsafeBufferPointer(start: bytes, count: separator))
        let local = interner.string(UnsafeBufferPointer(start: bytes + separator + 1, count: length - separator - 1))
        return build(local, namespace)
    }

    private static func string(_ pointer: UnsafePointer<CChar>) -> String {
        let bytes = UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self)
        return String(decoding: UnsafeBufferPointer(start: bytes, count: strlen(pointer)), as: UTF8.self)
    }

    /// Maps an Expat error to the RFC 6120 condition to send.
    private static func streamError(for code: XML_Error) -> StreamError {
        let reason = XML_ErrorString(code).map { String(cString: $0) } ?? "malformed XML"
        switch code {
        case XML_ERROR_UNDEFINED_ENTITY, XML_ERROR_RECURSIVE_ENTITY_REF, XML_ERROR_BINARY_ENTITY_REF,
            XML_ERROR_ATTRIBUTE_EXTERNAL_ENTITY_REF, XML_ERROR_EXTERNAL_ENTITY_HANDLING,
            XML_ERROR_ENTITY_DECLARED_IN_PE, XML_ERROR_NOT_STANDALONE:
            return StreamError(.restrictedXML, "only the five predefined entities may be referenced (\(reason))")
        case XML_ERROR_UNKNOWN_ENCODING, XML_ERROR_INCORRECT_ENCODING:
            return StreamError(.unsupportedEncoding, "the stream must be UTF-8 (\(reason))")
        case XML_ERROR_NO_MEMORY:
            return StreamError(.resourceConstraint, "out of memory while parsing")
        default:
            return StreamError(.notWellFormed, reason)
        }
    }
}
