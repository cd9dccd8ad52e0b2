#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import MoteHAL

/// Which kind of call an errno came from: the same number means different things in different calls.
package enum SyscallContext: Sendable {
    /// Opening a device node.
    case open
    /// `I2C_SLAVE`: EBUSY means a kernel driver owns the address.
    case selectAddress
    /// A bus transfer (`I2C_RDWR`, `I2C_SMBUS`): ENODEV/ENXIO mean nobody acknowledged.
    case transfer
    /// Anything else on an open device (ioctl queries, GPIO requests, reads).
    case control
}

extension HardwareError {
    /// Turns an errno into a typed error: the one place in the project that interprets errno values.
    ///
    /// `operation` says what was attempted (`I2C_RDWR to 0x76`); the errno's own message is appended to it.
    package init(errno code: Int32, device: String, operation: String, context: SyscallContext) {
        let message = String(cString: strerror(code))
        let kind: HardwareError.Kind
        switch code {
        case EACCES, EPERM:
            kind = .permissionDenied
        case ENOENT:
            kind = .noSuchDevice
        case ENODEV:
            // Opening a node whose adapter is gone gives ENODEV; i2c-stub answers an absent address with it.
            kind = context == .transfer ? .noAcknowledge : .noSuchDevice
        case ENXIO, EREMOTEIO:
            kind = context == .open ? .noSuchDevice : .noAcknowledge
        case ETIMEDOUT:
            kind = .timeout
        case EAGAIN:
            kind = context == .transfer ? .arbitrationLost : .busy
        case EBUSY:
            kind = context == .selectAddress ? .addressInUse : .busy
        case EOPNOTSUPP, ENOTTY, EPROTONOSUPPORT, ENOSYS:
            kind = .unsupported
        case EINVAL, EOVERFLOW, E2BIG, ERANGE:
            kind = .invalidArgument
        case EBADMSG:
            kind = .dataCorrupted
        case EIO, EPROTO:
            kind = .busError
        default:
            kind = .other
        }
        self.init(kind, device: device, detail: "\(operation): \(message)", errno: code)
    }
}

/// Runs a raw call that returns a non-negative result or `-errno`, retrying while it is interrupted (EINTR).
///
/// Every raw call in this module goes through here, so no caller ever sees EINTR.
package func retryingInterrupts(_ call: () -> Int32) -> Int32 {
    while true {
        let result = call()
        if result != -EINTR { return result }
    }
}
