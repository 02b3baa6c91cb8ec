/*
 * Board layer of the reference DIY dual plate: Raspberry Pi Pico (RP2040, native USB) + eight ADS1220
 * (24-bit delta-sigma ADCs, one per load cell, four cells per plate, two plates).
 *
 * This file is the only hardware-specific code; the protocol (forcelab_proto.c) and the device logic
 * (device.c) are portable and tested on the host. It builds with the Raspberry Pi pico-sdk (CMakeLists.txt
 * in this folder) but is NOT compiled in forcelab's CI and has not been run on hardware by the forcelab
 * developers: treat it as a careful starting point and check it against the datasheets (TI SBAS501 for the
 * ADS1220, RP2040 datasheet) before you trust a measurement.
 *
 * Wiring (see README.md):
 *   SPI0: SCK GP18, MOSI GP19 (ADS1220 DIN), MISO GP16 (ADS1220 DOUT/DRDY, shared)
 *   CS of ADC k (k = 0..7): GP2 + k   (k = 0..3 left plate cells, 4..7 right plate cells)
 *   DRDY of ADC 0: GP10 (all eight convert in lockstep: common clock, common START/SYNC)
 *   CLK of all eight ADS1220: one 4.096 MHz oscillator module; AVDD/REFP0 = load-cell excitation (5 V),
 *   ratiometric: REFP0/REFN0 across the excitation, AIN0/AIN1 = the bridge output of each cell.
 *
 * Rates: the ADS1220 in turbo mode converts at 40, 90, 180, 350, 660, 1200 or 2000 samples/s (with a
 * 4.096 MHz clock). 2 kHz x 8 channels is this board's ceiling; for 10 kHz use an ADC with eight
 * simultaneous channels (e.g. ADS131M08) and write another board file: nothing else changes.
 *
 * MIT licence, part of forcelab.
 */
#include <stddef.h>
#include <string.h>

#include "hardware/flash.h"
#include "hardware/gpio.h"
#include "hardware/spi.h"
#include "hardware/sync.h"
#include "pico/stdio_usb.h"
#include "pico/stdlib.h"
#include "pico/unique_id.h"
#include "tusb.h"

#include "board.h"
#include "device.h"

#define PIN_MISO 16
#define PIN_SCK 18
#define PIN_MOSI 19
#define PIN_CS0 2
#define PIN_DRDY0 10
#define SPI_HZ 4000000

/* ADS1220 commands and registers (SBAS501, section 8.5) */
#define ADS_RESET 0x06
#define ADS_START 0x08
#define ADS_POWERDOWN 0x02
#define ADS_WREG(reg, n) (0x40 | ((reg) << 2) | ((n)-1))
#define ADS_REG0 0x0E /* MUX AIN0-AIN1, gain 128, PGA on */
#define ADS_REG2 0x40 /* external reference REFP0/REFN0 (ratiometric), no 50/60 Hz filter */
#define ADS_REG3 0x00 /* DRDY on its pin only */

const uint32_t board_rates[] = {40, 90, 180, 350, 660, 1200, 2000, 0};

static volatile uint32_t drdy_micros;
static volatile bool drdy_flag;
static fl_device_t device;

/* ------------------------------------------------------------------------------------------ ADCs */

static void cs_all(bool low)
{
    for (int k = 0; k < (int)BOARD_CHANNELS; k++)
        gpio_put(PIN_CS0 + k, !low);
}

static void broadcast(const uint8_t *bytes, size_t n)
{
    cs_all(true);
    spi_write_blocking(spi0, bytes, n);
    cs_all(false);
}

static uint8_t reg1_for(uint32_t rate_hz)
{
    /* turbo mode (MODE = 10), continuous conversion (CM = 1); DR = index of the rate */
    for (uint8_t dr = 0; board_rates[dr]; dr++)
        if (board_rates[dr] == rate_hz)
            return (uint8_t)((dr << 5) | (0x2 << 3) | (1 << 2));
    return 0xFF;
}

int board_adc_start(uint32_t rate_hz)
{
    uint8_t reg1 = reg1_for(rate_hz);
    if (reg1 == 0xFF)
        return FL_ERR_BAD_ARGUMENT;
    const uint8_t reset = ADS_RESET;
    broadcast(&reset, 1);
    sleep_us(100);
    const uint8_t config[] = {ADS_WREG(0, 4), ADS_REG0, reg1, ADS_REG2, ADS_REG3};
    broadcast(config, sizeof config);
    /* read back ADC 0's registers: a missing or dead ADC answers 0x00 or 0xFF */
    uint8_t rreg[] = {0x20 | (0 << 2) | 3, 0, 0, 0, 0}, back[5];
    gpio_put(PIN_CS0, 0);
    spi_write_read_blocking(spi0, rreg, back, sizeof rreg);
    gpio_put(PIN_CS0, 1);
    if (back[1] != ADS_REG0 || back[2] != reg1)
        return FL_ERR_HARDWARE;
    const uint8_t start = ADS_START; /* one START to all: the eight convert in lockstep */
    broadcast(&start, 1);
    return 0;
}

void board_adc_stop(void)
{
    const uint8_t pd = ADS_POWERDOWN;
    broadcast(&pd, 1);
    drdy_flag = false;
}

static void drdy_irq(uint gpio, uint32_t events)
{
    (void)gpio;
    (void)events;
    drdy_micros = time_us_32(); /* the conversion just ended: this is the sample's time */
    drdy_flag = true;
}

static void read_all(int32_t *counts)
{
    static const uint8_t nop[3] = {0, 0, 0};
    for (int k = 0; k < (int)BOARD_CHANNELS; k++) {
        uint8_t b[3];
        gpio_put(PIN_CS0 + k, 0);
        spi_write_read_blocking(spi0, nop, b, 3); /* continuous mode: 24 clocks shift the result out */
        gpio_put(PIN_CS0 + k, 1);
        int32_t v = ((int32_t)b[0] << 16) | ((int32_t)b[1] << 8) | b[2];
        counts[k] = (v ^ 0x800000) - 0x800000; /* sign-extend 24 -> 32 bits */
    }
}

/* ------------------------------------------------------------------------------------------- USB */

uint32_t board_micros(void) { return time_us_32(); }

size_t board_tx_room(void) { return tud_cdc_connected() ? tud_cdc_write_available() : 0; }

void board_tx(const uint8_t *data, size_t len)
{
    /* Replies must get through; sample frames only come here when board_tx_room() said they fit. */
    absolute_time_t give_up = make_timeout_time_ms(50);
    while (len && tud_cdc_connected() && !time_reached(give_up)) {
        uint32_t n = tud_cdc_write(data, (uint32_t)len);
        data += n;
        len -= n;
        tud_cdc_write_flush();
        if (len)
            sleep_us(100); /* the SDK's background USB task drains the FIFO */
    }
}

/* ----------------------------------------------------------------------------------------- flash */

#define CAL_OFFSET (PICO_FLASH_SIZE_BYTES - FLASH_SECTOR_SIZE)
#define CAL_MAGIC 0x464C4331u /* "FLC1" */

typedef struct {
    uint32_t magic;
    float gains[BOARD_CHANNELS];
    float offsets[BOARD_CHANNELS];
    uint32_t crc;
} cal_block_t;

int board_calibration_load(float *gains, float *offsets, unsigned channels)
{
    const cal_block_t *b = (const cal_block_t *)(XIP_BASE + CAL_OFFSET);
    if (b->magic != CAL_MAGIC || channels != BOARD_CHANNELS ||
        fl_crc32(0, (const uint8_t *)b, offsetof(cal_block_t, crc)) != b->crc)
        return -1;
    memcpy(gains, b->gains, sizeof b->gains);
    memcpy(offsets, b->offsets, sizeof b->offsets);
    return 0;
}

int board_calibration_store(const float *gains, const float *offsets, unsigned channels)
{
    static uint8_t page[FLASH_PAGE_SIZE];
    cal_block_t b;
    if (channels != BOARD_CHANNELS)
        return -1;
    b.magic = CAL_MAGIC;
    memcpy(b.gains, gains, sizeof b.gains);
    memcpy(b.offsets, offsets, sizeof b.offsets);
    b.crc = fl_crc32(0, (const uint8_t *)&b, offsetof(cal_block_t, crc));
    memset(page, 0xFF, sizeof page);
    memcpy(page, &b, sizeof b);
    uint32_t irq = save_and_disable_interrupts(); /* no code may run from flash while it is written */
    flash_range_erase(CAL_OFFSET, FLASH_SECTOR_SIZE);
    flash_range_program(CAL_OFFSET, page, FLASH_PAGE_SIZE);
    restore_interrupts(irq);
    float g[BOARD_CHANNELS], o[BOARD_CHANNELS];
    return board_calibration_load(g, o, channels) == 0 && memcmp(g, gains, sizeof g) == 0 ? 0 : -1;
}

/* -------------------------------------------------------------------------------------- identity */

const char *board_model(void) { return "forcelab-dual-plate"; }

const char *board_serial(void)
{
    static char id[2 * PICO_UNIQUE_BOARD_ID_SIZE_BYTES + 1];
    if (!id[0])
        pico_get_unique_board_id_string(id, sizeof id);
    return id;
}

const char *board_firmware(void) { return "1.0.0"; }

/* ------------------------------------------------------------------------------------- main loop */

int main(void)
{
    /* TinyUSB CDC device with the SDK's descriptors; its background task runs tud_task() for us.
     * We talk raw bytes with tud_cdc_*, never printf (stdio would translate line ends). */
    stdio_usb_init();
    spi_init(spi0, SPI_HZ);
    spi_set_format(spi0, 8, SPI_CPOL_0, SPI_CPHA_1, SPI_MSB_FIRST); /* ADS1220: SPI mode 1 */
    gpio_set_function(PIN_MISO, GPIO_FUNC_SPI);
    gpio_set_function(PIN_SCK, GPIO_FUNC_SPI);
    gpio_set_function(PIN_MOSI, GPIO_FUNC_SPI);
    for (int k = 0; k < (int)BOARD_CHANNELS; k++) {
        gpio_init(PIN_CS0 + k);
        gpio_set_dir(PIN_CS0 + k, GPIO_OUT);
        gpio_put(PIN_CS0 + k, 1);
    }
    gpio_init(PIN_DRDY0);
    gpio_set_dir(PIN_DRDY0, GPIO_IN);
    gpio_set_irq_enabled_with_callback(PIN_DRDY0, GPIO_IRQ_EDGE_FALL, true, &drdy_irq);

    fl_device_init(&device);
    int32_t counts[BOARD_CHANNELS];
    for (;;) {
        while (tud_cdc_available()) {
            uint8_t buf[64];
            uint32_t n = tud_cdc_read(buf, sizeof buf);
            for (uint32_t i = 0; i < n; i++)
                fl_device_on_byte(&device, buf[i]);
        }
        if (drdy_flag) {
            uint32_t irq = save_and_disable_interrupts();
            uint32_t t = drdy_micros;
            drdy_flag = false;
            restore_interrupts(irq);
            read_all(counts);
            fl_device_on_sample(&device, t, counts);
        }
    }
}
