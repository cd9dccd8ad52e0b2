/*
 * CI2C: the Linux i2c-dev interface for Swift.
 *
 * ioctl(2) is variadic and does not import into Swift, so each ioctl the bus needs gets one small prefixed shim.
 * The kernel's own headers define every struct and request number; nothing is redeclared here.
 * Convention: every shim returns a non-negative result on success and -errno on failure.
 */
#ifndef CI2C_SHIM_H
#define CI2C_SHIM_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/i2c.h>
#include <linux/i2c-dev.h>
#include <i2c/smbus.h>

/* What the kernel emulates over any plain-I2C adapter; a compound macro, which Swift cannot import. */
static const unsigned long CI2C_FUNC_SMBUS_EMUL = I2C_FUNC_SMBUS_EMUL;

static inline int CI2C_open(const char *path) {
    int fd = open(path, O_RDWR | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

static inline int CI2C_close(int fd) {
    return close(fd) < 0 ? -errno : 0;
}

/* I2C_RDWR: one combined transaction, START ... repeated START ... STOP. */
static inline int CI2C_rdwr(int fd, struct i2c_msg *messages, uint32_t count) {
    struct i2c_rdwr_ioctl_data data = { .msgs = messages, .nmsgs = count };
    int result = ioctl(fd, I2C_RDWR, &data);
    return result < 0 ? -errno : result;
}

/* I2C_FUNCS: the adapter's functionality bits (I2C_FUNC_*). */
static inline int CI2C_funcs(int fd, unsigned long *funcs) {
    return ioctl(fd, I2C_FUNCS, funcs) < 0 ? -errno : 0;
}

/* I2C_SLAVE: the target address for SMBus and plain read/write; EBUSY when a kernel driver owns it. */
static inline int CI2C_set_slave(int fd, uint16_t address) {
    return ioctl(fd, I2C_SLAVE, (unsigned long)address) < 0 ? -errno : 0;
}

/* I2C_TIMEOUT: the adapter's transfer timeout, in units of 10 ms. */
static inline int CI2C_set_timeout(int fd, unsigned long tens_of_ms) {
    return ioctl(fd, I2C_TIMEOUT, tens_of_ms) < 0 ? -errno : 0;
}

/* I2C_RETRIES: how often the adapter retries a transfer on arbitration loss. */
static inline int CI2C_set_retries(int fd, unsigned long retries) {
    return ioctl(fd, I2C_RETRIES, retries) < 0 ? -errno : 0;
}

/* I2C_PEC: append and check the SMBus Packet Error Code on SMBus transfers of this file descriptor. */
static inline int CI2C_set_pec(int fd, int enabled) {
    return ioctl(fd, I2C_PEC, (unsigned long)(enabled ? 1 : 0)) < 0 ? -errno : 0;
}

/* I2C_SMBUS through libi2c, which already returns -errno on failure. */
static inline int CI2C_smbus(int fd, char read_write, uint8_t command, int size, union i2c_smbus_data *data) {
    return i2c_smbus_access(fd, read_write, command, size, data);
}

#endif
