/*
 * CGPIOD: one small C API over libgpiod v1 (1.6) and v2 (2.x), for MoteLinux.
 *
 * Every function returns a non-negative value on success and -errno on failure; none of them keeps errno. The
 * types and constants below are this shim's own (never libgpiod's or the kernel's), so Swift sees the same API
 * whichever libgpiod it was built against. CGPIOD_API_VERSION says which one that was.
 *
 * The two implementations are chosen by GPIOD_LINE_BULK_MAX_LINES, which only v1's gpiod.h defines.
 */
#ifndef CGPIOD_SHIM_H
#define CGPIOD_SHIM_H

#include <errno.h>
#include <gpiod.h>
#include <linux/gpio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Longest chip or line name, label or consumer, with its terminating NUL (the kernel's own limit). */
#define CGPIOD_NAME_SIZE GPIO_MAX_NAME_SIZE

#define CGPIOD_DIRECTION_INPUT 0
#define CGPIOD_DIRECTION_OUTPUT 1

#define CGPIOD_BIAS_AS_IS 0 /* when reading line info: unknown */
#define CGPIOD_BIAS_DISABLED 1
#define CGPIOD_BIAS_PULL_UP 2
#define CGPIOD_BIAS_PULL_DOWN 3

#define CGPIOD_DRIVE_PUSH_PULL 0
#define CGPIOD_DRIVE_OPEN_DRAIN 1
#define CGPIOD_DRIVE_OPEN_SOURCE 2

#define CGPIOD_EDGE_NONE 0
#define CGPIOD_EDGE_RISING 1
#define CGPIOD_EDGE_FALLING 2
#define CGPIOD_EDGE_BOTH 3

typedef struct gpiod_chip CGPIOD_chip;

/* What GPIO_GET_CHIPINFO tells about a chip. */
typedef struct {
    char name[CGPIOD_NAME_SIZE];
    char label[CGPIOD_NAME_SIZE];
    unsigned int num_lines;
} CGPIOD_chip_info;

/* The state of one line. v1 cannot see edge detection or debounce: it reports CGPIOD_EDGE_NONE and 0. */
typedef struct {
    char name[CGPIOD_NAME_SIZE];     /* "" when unnamed */
    char consumer[CGPIOD_NAME_SIZE]; /* "" when nobody holds the line or the holder gave no name */
    bool used;
    bool active_low;
    int direction;
    int bias;
    int drive;
    int edge;
    unsigned long debounce_us; /* 0: not debounced */
} CGPIOD_line_info;

/* How to request lines; the same for every line of one request. */
typedef struct {
    int direction;
    int bias;
    int drive;
    int edge;
    bool active_low;
    unsigned long debounce_us; /* 0: none; anything else is -EOPNOTSUPP on v1 */
} CGPIOD_line_settings;

/* One edge seen on a requested line. */
typedef struct {
    unsigned int offset;
    bool rising;           /* false: falling */
    uint64_t timestamp_ns; /* CLOCK_MONOTONIC on Linux >= 5.7 (v1 uAPI was CLOCK_REALTIME before) */
} CGPIOD_edge_event;

/* Copies `text` (NULL is "") into a CGPIOD_NAME_SIZE buffer, always terminated. */
static inline void CGPIOD_copy_name(char *destination, const char *text) {
    snprintf(destination, CGPIOD_NAME_SIZE, "%s", text ? text : "");
}

#ifdef GPIOD_LINE_BULK_MAX_LINES
/* ---------------------------------------------------------------------------------------------------------------
 * libgpiod v1: line objects belong to the chip, so a request must not outlive its chip.
 * ------------------------------------------------------------------------------------------------------------- */

#define CGPIOD_API_VERSION 1
#define CGPIOD_MAX_LINES GPIOD_LINE_BULK_MAX_LINES

typedef struct CGPIOD_request {
    struct gpiod_line_bulk lines;
    /* v1 can only set every line of a handle at once, so the last values written are kept here. */
    int values[CGPIOD_MAX_LINES];
    bool events;
} CGPIOD_request;

static inline const char *CGPIOD_library_version(void) { return gpiod_version_string(); }

static inline int CGPIOD_chip_open(const char *path, CGPIOD_chip **chip) {
    *chip = gpiod_chip_open(path);
    return *chip ? 0 : -errno;
}

static inline void CGPIOD_chip_close(CGPIOD_chip *chip) { gpiod_chip_close(chip); }

static inline int CGPIOD_chip_get_info(CGPIOD_chip *chip, CGPIOD_chip_info *info) {
    CGPIOD_copy_name(info->name, gpiod_chip_name(chip));
    CGPIOD_copy_name(info->label, gpiod_chip_label(chip));
    info->num_lines = gpiod_chip_num_lines(chip);
    return 0;
}

static inline int CGPIOD_chip_get_line_info(CGPIOD_chip *chip, unsigned int offset, CGPIOD_line_info *info) {
    struct gpiod_line *line = gpiod_chip_get_line(chip, offset); /* also refreshes the line's info */
    if (!line) return -errno;
    CGPIOD_copy_name(info->name, gpiod_line_name(line));
    CGPIOD_copy_name(info->consumer, gpiod_line_consumer(line));
    info->used = gpiod_line_is_used(line);
    info->active_low = gpiod_line_active_state(line) == GPIOD_LINE_ACTIVE_STATE_LOW;
    info->direction = gpiod_line_direction(line) == GPIOD_LINE_DIRECTION_OUTPUT ? CGPIOD_DIRECTION_OUTPUT
                                                                                 : CGPIOD_DIRECTION_INPUT;
    switch (gpiod_line_bias(line)) {
    case GPIOD_LINE_BIAS_DISABLE: info->bias = CGPIOD_BIAS_DISABLED; break;
    case GPIOD_LINE_BIAS_PULL_UP: info->bias = CGPIOD_BIAS_PULL_UP; break;
    case GPIOD_LINE_BIAS_PULL_DOWN: info->bias = CGPIOD_BIAS_PULL_DOWN; break;
    default: info->bias = CGPIOD_BIAS_AS_IS; break;
    }
    info->drive = gpiod_line_is_open_drain(line)    ? CGPIOD_DRIVE_OPEN_DRAIN
                  : gpiod_line_is_open_source(line) ? CGPIOD_DRIVE_OPEN_SOURCE
                                                    : CGPIOD_DRIVE_PUSH_PULL;
    info->edge = CGPIOD_EDGE_NONE;
    info->debounce_us = 0;
    return 0;
}

static inline int CGPIOD_chip_request_lines(CGPIOD_chip *chip, const unsigned int *offsets, size_t num_offsets,
                                            const CGPIOD_line_settings *settings, const int *output_values,
                                            const char *consumer, CGPIOD_request **request) {
    *request = NULL;
    if (settings->debounce_us != 0) return -EOPNOTSUPP;
    if (num_offsets == 0 || num_offsets > CGPIOD_MAX_LINES) return -EINVAL;
    bool output = settings->direction == CGPIOD_DIRECTION_OUTPUT;
    if (output && settings->edge != CGPIOD_EDGE_NONE) return -EINVAL;

    struct gpiod_line_request_config config = {.consumer = consumer, .flags = 0};
    switch (settings->edge) {
    case CGPIOD_EDGE_RISING: config.request_type = GPIOD_LINE_REQUEST_EVENT_RISING_EDGE; break;
    case CGPIOD_EDGE_FALLING: config.request_type = GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE; break;
    case CGPIOD_EDGE_BOTH: config.request_type = GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES; break;
    default:
        config.request_type = output ? GPIOD_LINE_REQUEST_DIRECTION_OUTPUT : GPIOD_LINE_REQUEST_DIRECTION_INPUT;
        break;
    }
    switch (settings->bias) {
    case CGPIOD_BIAS_DISABLED: config.flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE; break;
    case CGPIOD_BIAS_PULL_UP: config.flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP; break;
    case CGPIOD_BIAS_PULL_DOWN: config.flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN; break;
    default: break;
    }
    switch (settings->drive) {
    case CGPIOD_DRIVE_OPEN_DRAIN: config.flags |= GPIOD_LINE_REQUEST_FLAG_OPEN_DRAIN; break;
    case CGPIOD_DRIVE_OPEN_SOURCE: config.flags |= GPIOD_LINE_REQUEST_FLAG_OPEN_SOURCE; break;
    default: break;
    }
    if (settings->active_low) config.flags |= GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW;

    CGPIOD_request *made = calloc(1, sizeof(*made));
    if (!made) return -ENOMEM;
    gpiod_line_bulk_init(&made->lines);
    for (size_t i = 0; i < num_offsets; i++) {
        struct gpiod_line *line = gpiod_chip_get_line(chip, offsets[i]);
        if (!line) {
            int error = errno;
            free(made);
            return -error;
        }
        gpiod_line_bulk_add(&made->lines, line);
        made->values[i] = output && output_values ? !!output_values[i] : 0;
    }
    if (gpiod_line_request_bulk(&made->lines, &config, made->values) < 0) {
        int error = errno;
        free(made);
        return -error;
    }
    made->events = settings->edge != CGPIOD_EDGE_NONE;
    *request = made;
    return 0;
}

static inline void CGPIOD_request_release(CGPIOD_request *request) {
    gpiod_line_release_bulk(&request->lines);
    free(request);
}

/* Reads the logical value of every requested line, in request order, into `values`. */
static inline int CGPIOD_request_get_values(CGPIOD_request *request, int *values) {
    return gpiod_line_get_value_bulk(&request->lines, values) < 0 ? -errno : 0;
}

/* Sets the lines at `offsets` (a subset of the request) to `values`. */
static inline int CGPIOD_request_set_values(CGPIOD_request *request, size_t count, const unsigned int *offsets,
                                            const int *values) {
    unsigned int num_lines = gpiod_line_bulk_num_lines(&request->lines);
    int next[CGPIOD_MAX_LINES];
    memcpy(next, request->values, sizeof(next));
    for (size_t i = 0; i < count; i++) {
        unsigned int index = 0;
        while (index < num_lines && gpiod_line_offset(gpiod_line_bulk_get_line(&request->lines, index)) != offsets[i])
            index++;
        if (index == num_lines) return -EINVAL;
        next[index] = !!values[i];
    }
    if (gpiod_line_set_value_bulk(&request->lines, next) < 0) return -errno;
    memcpy(request->values, next, sizeof(next));
    return 0;
}

/* Waits up to `timeout_ns` (negative: forever) for edge events: 1 when some are pending, 0 on timeout. */
static inline int CGPIOD_request_wait_edge_events(CGPIOD_request *request, int64_t timeout_ns) {
    if (!request->events) return -EPERM;
    struct timespec timeout = {.tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000};
    int ready = gpiod_line_event_wait_bulk(&request->lines, timeout_ns < 0 ? NULL : &timeout, NULL);
    return ready < 0 ? -errno : ready;
}

/*
 * Reads up to `capacity` pending edge events without blocking; returns how many. Each line has its own event
 * queue in v1, so events of different lines come line by line, not in time order.
 */
static inline int CGPIOD_request_read_edge_events(CGPIOD_request *request, CGPIOD_edge_event *events,
                                                  size_t capacity) {
    if (!request->events) return -EPERM;
    struct gpiod_line_bulk ready;
    struct timespec now = {0, 0};
    int pending = gpiod_line_event_wait_bulk(&request->lines, &now, &ready);
    if (pending <= 0) return pending < 0 ? -errno : 0;
    size_t count = 0;
    for (unsigned int i = 0; i < gpiod_line_bulk_num_lines(&ready) && count < capacity; i++) {
        struct gpiod_line *line = gpiod_line_bulk_get_line(&ready, i);
        struct gpiod_line_event read[16];
        size_t room = capacity - count < 16 ? capacity - count : 16;
        int got = gpiod_line_event_read_multiple(line, read, (unsigned int)room);
        if (got < 0) return count > 0 ? (int)count : -errno;
        for (int j = 0; j < got; j++, count++) {
            events[count].offset = gpiod_line_offset(line);
            events[count].rising = read[j].event_type == GPIOD_LINE_EVENT_RISING_EDGE;
            events[count].timestamp_ns = (uint64_t)read[j].ts.tv_sec * 1000000000u + (uint64_t)read[j].ts.tv_nsec;
        }
    }
    return (int)count;
}

#else
/* ---------------------------------------------------------------------------------------------------------------
 * libgpiod v2.
 * ------------------------------------------------------------------------------------------------------------- */

#define CGPIOD_API_VERSION 2
#define CGPIOD_MAX_LINES GPIO_V2_LINES_MAX

typedef struct CGPIOD_request {
    struct gpiod_line_request *request;
    struct gpiod_edge_event_buffer *events; /* NULL when no edge detection was asked for */
    unsigned int offsets[CGPIOD_MAX_LINES];
    size_t num_lines;
} CGPIOD_request;

static inline const char *CGPIOD_library_version(void) { return gpiod_api_version(); }

static inline int CGPIOD_chip_open(const char *path, CGPIOD_chip **chip) {
    *chip = gpiod_chip_open(path);
    return *chip ? 0 : -errno;
}

static inline void CGPIOD_chip_close(CGPIOD_chip *chip) { gpiod_chip_close(chip); }

static inline int CGPIOD_chip_get_info(CGPIOD_chip *chip, CGPIOD_chip_info *info) {
    struct gpiod_chip_info *chip_info = gpiod_chip_get_info(chip);
    if (!chip_info) return -errno;
    CGPIOD_copy_name(info->name, gpiod_chip_info_get_name(chip_info));
    CGPIOD_copy_name(info->label, gpiod_chip_info_get_label(chip_info));
    info->num_lines = (unsigned int)gpiod_chip_info_get_num_lines(chip_info);
    gpiod_chip_info_free(chip_info);
    return 0;
}

static inline int CGPIOD_chip_get_line_info(CGPIOD_chip *chip, unsigned int offset, CGPIOD_line_info *info) {
    struct gpiod_line_info *line = gpiod_chip_get_line_info(chip, offset);
    if (!line) return -errno;
    CGPIOD_copy_name(info->name, gpiod_line_info_get_name(line));
    CGPIOD_copy_name(info->consumer, gpiod_line_info_get_consumer(line));
    info->used = gpiod_line_info_is_used(line);
    info->active_low = gpiod_line_info_is_active_low(line);
    info->direction = gpiod_line_info_get_direction(line) == GPIOD_LINE_DIRECTION_OUTPUT ? CGPIOD_DIRECTION_OUTPUT
                                                                                          : CGPIOD_DIRECTION_INPUT;
    switch (gpiod_line_info_get_bias(line)) {
    case GPIOD_LINE_BIAS_DISABLED: info->bias = CGPIOD_BIAS_DISABLED; break;
    case GPIOD_LINE_BIAS_PULL_UP: info->bias = CGPIOD_BIAS_PULL_UP; break;
    case GPIOD_LINE_BIAS_PULL_DOWN: info->bias = CGPIOD_BIAS_PULL_DOWN; break;
    default: info->bias = CGPIOD_BIAS_AS_IS; break;
    }
    switch (gpiod_line_info_get_drive(line)) {
    case GPIOD_LINE_DRIVE_OPEN_DRAIN: info->drive = CGPIOD_DRIVE_OPEN_DRAIN; break;
    case GPIOD_LINE_DRIVE_OPEN_SOURCE: info->drive = CGPIOD_DRIVE_OPEN_SOURCE; break;
    default: info->drive = CGPIOD_DRIVE_PUSH_PULL; break;
    }
    switch (gpiod_line_info_get_edge_detection(line)) {
    case GPIOD_LINE_EDGE_RISING: info->edge = CGPIOD_EDGE_RISING; break;
    case GPIOD_LINE_EDGE_FALLING: info->edge = CGPIOD_EDGE_FALLING; break;
    case GPIOD_LINE_EDGE_BOTH: info->edge = CGPIOD_EDGE_BOTH; break;
    default: info->edge = CGPIOD_EDGE_NONE; break;
    }
    info->debounce_us = gpiod_line_info_is_debounced(line) ? gpiod_line_info_get_debounce_period_us(line) : 0;
    gpiod_line_info_free(line);
    return 0;
}

/* Builds v2's settings object from ours; NULL (errno set) when the library refuses a value. */
static inline struct gpiod_line_settings *CGPIOD_make_settings(const CGPIOD_line_settings *settings) {
    struct gpiod_line_settings *made = gpiod_line_settings_new();
    if (!made) return NULL;
    enum gpiod_line_bias bias = GPIOD_LINE_BIAS_AS_IS;
    switch (settings->bias) {
    case CGPIOD_BIAS_DISABLED: bias = GPIOD_LINE_BIAS_DISABLED; break;
    case CGPIOD_BIAS_PULL_UP: bias = GPIOD_LINE_BIAS_PULL_UP; break;
    case CGPIOD_BIAS_PULL_DOWN: bias = GPIOD_LINE_BIAS_PULL_DOWN; break;
    default: break;
    }
    enum gpiod_line_drive drive = GPIOD_LINE_DRIVE_PUSH_PULL;
    switch (settings->drive) {
    case CGPIOD_DRIVE_OPEN_DRAIN: drive = GPIOD_LINE_DRIVE_OPEN_DRAIN; break;
    case CGPIOD_DRIVE_OPEN_SOURCE: drive = GPIOD_LINE_DRIVE_OPEN_SOURCE; break;
    default: break;
    }
    enum gpiod_line_edge edge = GPIOD_LINE_EDGE_NONE;
    switch (settings->edge) {
    case CGPIOD_EDGE_RISING: edge = GPIOD_LINE_EDGE_RISING; break;
    case CGPIOD_EDGE_FALLING: edge = GPIOD_LINE_EDGE_FALLING; break;
    case CGPIOD_EDGE_BOTH: edge = GPIOD_LINE_EDGE_BOTH; break;
    default: break;
    }
    enum gpiod_line_direction direction = settings->direction == CGPIOD_DIRECTION_OUTPUT
                                              ? GPIOD_LINE_DIRECTION_OUTPUT
                                              : GPIOD_LINE_DIRECTION_INPUT;
    if (gpiod_line_settings_set_direction(made, direction) < 0 || gpiod_line_settings_set_bias(made, bias) < 0 ||
        gpiod_line_settings_set_drive(made, drive) < 0 || gpiod_line_settings_set_edge_detection(made, edge) < 0) {
        int error = errno;
        gpiod_line_settings_free(made);
        errno = error;
        return NULL;
    }
    gpiod_line_settings_set_active_low(made, settings->active_low);
    gpiod_line_settings_set_debounce_period_us(made, settings->debounce_us);
    return made;
}

static inline int CGPIOD_chip_request_lines(CGPIOD_chip *chip, const unsigned int *offsets, size_t num_offsets,
                                            const CGPIOD_line_settings *settings, const int *output_values,
                                            const char *consumer, CGPIOD_request **request) {
    *request = NULL;
    if (num_offsets == 0 || num_offsets > CGPIOD_MAX_LINES) return -EINVAL;
    CGPIOD_request *made = calloc(1, sizeof(*made));
    struct gpiod_line_settings *line_settings = CGPIOD_make_settings(settings);
    struct gpiod_line_config *line_config = gpiod_line_config_new();
    struct gpiod_request_config *request_config = gpiod_request_config_new();
    int error = ENOMEM;
    if (!made || !line_config || !request_config) goto out;
    if (!line_settings) {
        error = errno;
        goto out;
    }
    if (gpiod_line_config_add_line_settings(line_config, offsets, num_offsets, line_settings) < 0) {
        error = errno;
        goto out;
    }
    if (settings->direction == CGPIOD_DIRECTION_OUTPUT && output_values) {
        enum gpiod_line_value values[CGPIOD_MAX_LINES];
        for (size_t i = 0; i < num_offsets; i++)
            values[i] = output_values[i] ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
        if (gpiod_line_config_set_output_values(line_config, values, num_offsets) < 0) {
            error = errno;
            goto out;
        }
    }
    gpiod_request_config_set_consumer(request_config, consumer);
    if (settings->edge != CGPIOD_EDGE_NONE) {
        made->events = gpiod_edge_event_buffer_new(64); /* events taken from the kernel in one read */
        if (!made->events) {
            error = errno;
            goto out;
        }
    }
    made->request = gpiod_chip_request_lines(chip, request_config, line_config);
    if (!made->request) {
        error = errno;
        goto out;
    }
    memcpy(made->offsets, offsets, num_offsets * sizeof(*offsets));
    made->num_lines = num_offsets;
    *request = made;
    made = NULL;
    error = 0;
out:
    if (made && made->events) gpiod_edge_event_buffer_free(made->events);
    free(made);
    if (request_config) gpiod_request_config_free(request_config);
    if (line_config) gpiod_line_config_free(line_config);
    if (line_settings) gpiod_line_settings_free(line_settings);
    return -error;
}

static inline void CGPIOD_request_release(CGPIOD_request *request) {
    gpiod_line_request_release(request->request);
    if (request->events) gpiod_edge_event_buffer_free(request->events);
    free(request);
}

/* Reads the logical value of every requested line, in request order, into `values`. */
static inline int CGPIOD_request_get_values(CGPIOD_request *request, int *values) {
    enum gpiod_line_value read[CGPIOD_MAX_LINES];
    if (gpiod_line_request_get_values_subset(request->request, request->num_lines, request->offsets, read) < 0)
        return -errno;
    for (size_t i = 0; i < request->num_lines; i++) values[i] = read[i] == GPIOD_LINE_VALUE_ACTIVE;
    return 0;
}

/* Sets the lines at `offsets` (a subset of the request) to `values`. */
static inline int CGPIOD_request_set_values(CGPIOD_request *request, size_t count, const unsigned int *offsets,
                                            const int *values) {
    enum gpiod_line_value written[CGPIOD_MAX_LINES];
    if (count > CGPIOD_MAX_LINES) return -EINVAL;
    for (size_t i = 0; i < count; i++) written[i] = values[i] ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
    return gpiod_line_request_set_values_subset(request->request, count, offsets, written) < 0 ? -errno : 0;
}

/* Waits up to `timeout_ns` (negative: forever) for edge events: 1 when some are pending, 0 on timeout. */
static inline int CGPIOD_request_wait_edge_events(CGPIOD_request *request, int64_t timeout_ns) {
    if (!request->events) return -EPERM;
    int ready = gpiod_line_request_wait_edge_events(request->request, timeout_ns);
    return ready < 0 ? -errno : ready;
}

/* Reads up to `capacity` pending edge events, oldest first, without blocking; returns how many. */
static inline int CGPIOD_request_read_edge_events(CGPIOD_request *request, CGPIOD_edge_event *events,
                                                  size_t capacity) {
    if (!request->events) return -EPERM;
    int pending = gpiod_line_request_wait_edge_events(request->request, 0);
    if (pending <= 0) return pending < 0 ? -errno : 0;
    size_t room = gpiod_edge_event_buffer_get_capacity(request->events);
    int got = gpiod_line_request_read_edge_events(request->request, request->events, capacity < room ? capacity : room);
    if (got < 0) return -errno;
    for (int i = 0; i < got; i++) {
        struct gpiod_edge_event *event = gpiod_edge_event_buffer_get_event(request->events, (unsigned long)i);
        events[i].offset = gpiod_edge_event_get_line_offset(event);
        events[i].rising = gpiod_edge_event_get_event_type(event) == GPIOD_EDGE_EVENT_RISING_EDGE;
        events[i].timestamp_ns = gpiod_edge_event_get_timestamp_ns(event);
    }
    return got;
}

#endif /* GPIOD_LINE_BULK_MAX_LINES */

#endif /* CGPIOD_SHIM_H */
