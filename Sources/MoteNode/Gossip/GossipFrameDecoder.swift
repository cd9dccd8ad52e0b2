import MoteGossip
import NIOCore

/// Splits a byte stream of gossip datagrams into sealed datagrams, checking each header as it goes.
///
/// UDP needs no stream framing, so the node's socket handler gives each datagram to `WireEndpoint.receive` whole.
/// This decoder serves streams of datagrams laid end to end (a capture of received datagrams, a relay over a
/// stream socket): the header's sealed length says where each one ends, so they need no other delimiter. A stream
/// whose header fails its checks (magic, version, lengths, addresses) is an error: there is no way to find the next
/// datagram in it.
public struct GossipFrameDecoder: NIOSingleStepByteToMessageDecoder {
    /// One sealed datagram, not yet opened.
    public typealias InboundOut = SealedDatagram

    /// A decoder.
    public init() {}

    /// Returns the next datagram once all its bytes are there, nil while more are needed.
    ///
    /// - Throws: `WireError` for a header that fails its checks.
    public mutating func decode(buffer: inout ByteBuffer) throws -> SealedDatagram? {
        guard let headerBytes = buffer.getBytes(at: buffer.readerIndex, length: WireFormat.headerSize) else {
            return nil
        }
        var reader = WireReader(headerBytes)
        let header = try DatagramHeader.decode(from: &reader)
        guard buffer.readableBytes >= WireFormat.headerSize + header.sealedLength,
            let sealedBody = buffer.getBytes(at: buffer.readerIndex + WireFormat.headerSize,
                                             length: header.sealedLength)
        else { return nil }
        buffer.moveReaderIndex(forwardBy: WireFormat.headerSize + header.sealedLength)
        return SealedDatagram(header: header, sealedBody: sealedBody)
    }

    /// At the end of the stream: the last whole datagram, if any; a partial one is left for NIO to report.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> SealedDatagram? {
        try decode(buffer: &buffer)
    }
}
