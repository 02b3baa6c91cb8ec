/*
 * What the portable device logic (device.c) needs from a board. One implementation per board:
 * board_rp2040_ads1220.c for the reference dual plate, the fake board in host_test.c for tests.
 * MIT licence, part of forcelab.
 */
#ifndef FORCELAB_BOARD_H
#define FORCELAB_BOARD_H

#include <stddef.h>
#include <stdint.h>

#define BOARD_CHANNELS 8u /* two plates x four load cells */

/* Free-running microsecond clock (wraps modulo 2^32). */
uint32_t board_micros(void);

/* Configure all ADCs for `rate_hz` and start continuous conversions; the board then calls
 * fl_device_on_sample() once per conversion of all channels. Returns 0, or FL_ERR_BAD_ARGUMENT for a rate
 * the ADCs cannot do exactly, FL_ERR_HARDWARE if an ADC does not answer. */
int board_adc_start(uint32_t rate_hz);
void board_adc_stop(void);

/* Rates the board can do exactly, ascending, 0-terminated (for the BAD_ARGUMENT message). */
extern const uint32_t board_rates[];

/* Bytes that can be queued to the host right now without blocking, and queue them. */
size_t board_tx_room(void);
void board_tx(const uint8_t *data, size_t len);

/* Non-volatile calibration; both return 0 on success. */
int board_calibration_load(float *gains, float *offsets, unsigned channels);
int board_calibration_store(const float *gains, const float *offsets, unsigned channels);

/* Identity. */
const char *board_model(void);
const char *board_serial(void);
const char *board_firmware(void);

#endif /* FORCELAB_BOARD_H */
