/// An error from a bus, a chip or the operating system beneath them, in portable terms.
///
/// `kind` is what a caller branches on; `errno` keeps the operating system's own code (when there was one) so that
/// nothing is lost; `device` and `detail` say where and what, and `hint` says what a user can try.
public struct HardwareError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The portable classes of hardware failure (after the kernel's Documentation/i2c/fault-codes.rst).
    public enum Kind: String, Sendable, CaseIterable {
        /// The device did not acknowledge its address or a data byte (ENXIO, EREMOTEIO; ENODEV on i2c-stub).
        case noAcknowledge = "no acknowledge"
        /// The bus misbehaved electrically or the adapter reported a protocol violation (EIO, EPROTO).
        case busError = "bus error"
        /// Another master won arbitration (EAGAIN from an adapter).
        case arbitrationLost = "arbitration lost"
        /// The transfer did not complete in time (ETIMEDOUT).
        case timeout = "timed out"
        /// The adapter or line is busy, typically requested by another consumer (EBUSY).
        case busy = "busy"
        /// The address is claimed by a kernel driver (EBUSY from I2C_SLAVE; i2cdetect prints `UU`).
        case addressInUse = "address in use by a kernel driver"
        /// The adapter or library cannot perform this operation (EOPNOTSUPP, ENOTTY, EPROTONOSUPPORT).
        case unsupported = "not supported"
        /// The process lacks permission on the device node (EACCES, EPERM).
        case permissionDenied = "permission denied"
        /// The device node, chip, line or adapter does not exist (ENOENT, ENODEV when opening).
        case noSuchDevice = "no such device"
        /// The request itself is out of range for the device or adapter (EINVAL, EOVERFLOW, E2BIG).
        case invalidArgument = "invalid argument"
        /// Received data failed an integrity check (EBADMSG: SMBus PEC mismatch, or corrupted bytes).
        case dataCorrupted = "data corrupted"
        /// Anything else; `errno` and `detail` tell what.
        case other = "error"
    }

    /// What class of failure this is.
    public var kind: Kind
    /// The device the failure happened on, as a user would name it (`/dev/i2c-1`, `gpiochip0`, `sim:i2c-1`).
    public var device: String
    /// What was being done and, for an operating system error, its message (`I2C_RDWR to 0x76: Remote I/O error`).
    public var detail: String
    /// The operating system's error number, when the failure came from a system call.
    public var errno: Int32?

    /// Creates an error; `errno` is nil for failures that did not come from a system call.
    public init(_ kind: Kind, device: String, detail: String, errno: Int32? = nil) {
        self.kind = kind
        self.device = device
        self.detail = detail
        self.errno = errno
    }

    /// What a user can try, or nil when there is nothing better to say than the error itself.
    public var hint: String? {
        switch kind {
        case .permissionDenied:
            let group = device.contains("gpio") ? "gpio" : "i2c"
            return "add the user to the \(group) group (sudo usermod -aG \(group) $USER, then log in again) "
                + "or install the udev rules from udev/"
        case .noSuchDevice where device.hasPrefix("/dev/i2c"):
            return "enable I2C (raspi-config, or dtparam=i2c_arm=on) and load i2c-dev (modprobe i2c-dev); "
                + "`mote scan --list` shows the buses there are"
        case .noSuchDevice where device.contains("gpiochip"):
            return "`mote gpio detect` lists the chips there are"
        case .addressInUse:
            return "a kernel driver owns this address; unbind it or read the device through that driver"
        case .noAcknowledge:
            return "check wiring, power and the address (`mote scan` shows who answers)"
        default:
            return nil
        }
    }

    /// One line for a user: where, what, and what to try.
    public var description: String {
        var text = "\(device): \(kind.rawValue)"
        if !detail.isEmpty { text += " (\(detail))" }
        if let hint { text += ": \(hint)" }
        return text
    }
}
