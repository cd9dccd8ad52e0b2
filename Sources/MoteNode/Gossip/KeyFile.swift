import Foundation
import MoteGossip

/// Loads the cluster keyring from a key file, refusing one that others than its owner can read or write.
///
/// Format (parsed by `ClusterKeyring(keyFileText:)`): one key per line, the base64 of 32 random bytes, the first
/// line the primary key (used to seal), the others secondaries (also accepted when opening); blank lines and lines
/// starting with `#` are ignored. `mote node keygen` prints a fresh key. The file must not be accessible to group
/// or others (mode 600 or 400), as ssh insists for private keys: the key is the cluster's only secret.
public enum KeyFile {
    /// The default path: `/etc/mote/cluster.keys`.
    public static let defaultPath = "/etc/mote/cluster.keys"

    /// Reads, checks and parses the key file at `path` (symbolic links are followed; the target is checked).
    public static func load(path: String) throws(NodeError) -> ClusterKeyring {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: resolved)
        } catch {
            guard FileManager.default.fileExists(atPath: resolved) else { throw .keyFileMissing(path: path) }
            throw .keyFileUnreadable(path: path, reason: "cannot inspect it")
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw .keyFileUnreadable(path: path, reason: "not a regular file")
        }
        let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value ?? 0o777
        guard mode & 0o077 == 0 else { throw .keyFileInsecure(path: path, mode: mode) }
        guard let data = FileManager.default.contents(atPath: resolved) else {
            throw .keyFileUnreadable(path: path, reason: "permission denied (run as the file's owner)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .keyFileMalformed(path: path, reason: "not UTF-8 text")
        }
        do {
            return try ClusterKeyring(keyFileText: text)
        } catch {
            throw .keyFileMalformed(path: path, reason: error.description)
        }
    }
}
