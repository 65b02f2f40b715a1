/* kouan — a port-day scenario for the simulator (kouan sim).
 *
 * A scenario is an INI file read with libinih; conf/scenarios/default.ini
 * shows every key with its meaning and states what it assumes.  Sections:
 *
 *   [day]          date (YYYY-MM-DD, Beijing time), seed, terminal, customs,
 *                  locode, tax_office, tax_region
 *   [vessel.NAME]  one per vessel call; NAME is the vessel's name with '-' for
 *                  spaces (COSCO-XIAMEN): imo, voyage, berth (HH:MM on the
 *                  day), import_boxes, export_boxes, cranes,
 *                  moves_per_crane_hour, carrier, bill_prefix
 *   [traffic]      shares (0..1) and mean durations that shape the day
 *   [inspection]   the inspection area: capacity_per_hour, opens_hour,
 *                  closes_hour, lead_minutes (as in kouan's [inspection])
 *   [traditional]  the flow without kouan: pickup_notice_hours,
 *                  inspection_appointment_hours, marshal_hours_before_berth
 *
 * Every key has a default except a vessel's imo, voyage and berth.  An
 * unknown section or key, a value of the wrong form or out of its range, a
 * key given twice, a vessel without its required keys and a file without any
 * vessel are refused with "file:line: what is wrong".
 *
 * kn_scenario_t is a plain struct with fixed-size fields: the caller owns it,
 * nothing in it needs freeing, and it may be copied.
 */
#ifndef KN_SCENARIO_H
#define KN_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

/* Most [vessel.NAME] sections in one scenario. */
#define KN_SCENARIO_MAX_VESSELS 32
/* Most boxes one call discharges (or loads). */
#define KN_SCENARIO_MAX_BOXES 20000

/* One vessel call, from [vessel.NAME]. */
typedef struct {
    char name[33];            /* NAME of the section: A-Z 0-9 '-', e.g. COSCO-XIAMEN */
    char ship_name[33];       /* as messages write it, '-' read as space: COSCO XIAMEN */
    char imo[8];              /* IMO number, 7 digits */
    char voyage[18];          /* voyage number, e.g. 118E */
    char carrier[4];          /* line code in EDIFACT NAD/TDT (code list 172), e.g. COS */
    char bill_prefix[5];      /* SCAC that starts its bills of lading, e.g. COSU */
    int berth_minute;         /* berthing: minutes after 00:00 Beijing time on [day] date */
    int import_boxes;         /* boxes discharged here */
    int export_boxes;         /* boxes loaded here */
    int cranes;               /* quay cranes working the call */
    int moves_per_crane_hour; /* gross moves per crane and hour */
    int line;                 /* line of the first [vessel.NAME] header, for messages */
} kn_scenario_vessel_t;

typedef struct {
    /* [day] */
    char date[11];       /* YYYY-MM-DD, the day simulated (Beijing time) */
    int64_t day_ms;      /* 00:00 Beijing time of date, in ms since the Unix epoch */
    uint64_t seed;       /* everything random is drawn from this */
    char terminal[9];    /* terminal facility code, sender of its EDIFACT, e.g. XHCT */
    char customs[5];     /* customs office code, 4 digits, e.g. 3701 */
    char locode[6];      /* UN/LOCODE of the port, e.g. CNXMN */
    char tax_office[17]; /* SenderID of TaxPayment, e.g. XMTAX */
    char tax_region[5];  /* tax region code in TaxPayment message ids, e.g. 3502 */

    /* [traffic] */
    double declared_before_arrival; /* share of import bills declared before berthing */
    double inspection_rate;         /* share of import bills customs inspects */
    double scan_share;              /* of those, share by machine scan (H986), else manual */
    double reefer_share;            /* share of boxes that are reefers */
    double dangerous_share;         /* share of boxes with dangerous goods */
    double tax_paid_before_arrival; /* of bills declared before arrival, share whose duty
                                       is settled before berthing */
    double tax_guarantee_share;     /* share of bills settled by bank guarantee, else paid */
    double truck_delay_minutes;     /* mean wait from "may leave" to the truck at the gate */
    double export_gate_in_hours_before_berth; /* mean time an export box gates in before
                                                 its vessel berths (at least 2 h: cut-off) */
    double inspection_minutes;                /* mean duration of a manual inspection */
    double scan_minutes;                      /* mean duration of a machine scan */
    int report_minutes;    /* the terminal sends COARRI every this many minutes */
    int quay_wait_minutes; /* smart flow: a box lifted for a truck waits at most this long
                              at the quay for it, then goes to the yard */

    /* [traditional] the flow without kouan: what the agents and the terminal
     * then wait for */
    double pickup_notice_hours;          /* mean, from release and duty to the agent knowing
                                            and holding a pickup appointment */
    double inspection_appointment_hours; /* mean, from the inspection order to the appointment
                                            the agent books with terminal and customs */
    double marshal_hours_before_berth;   /* export boxes move from the yard to the loading
                                            stack this long before their vessel berths */

    /* [inspection] */
    int capacity_per_hour; /* manual inspections the area starts per hour */
    int opens_hour;        /* first slot of the day, Beijing time (hour) */
    int closes_hour;       /* the area closes at this hour, Beijing time */
    int lead_minutes;      /* earliest inspection after discharge: time to move the box */

    kn_scenario_vessel_t vessels[KN_SCENARIO_MAX_VESSELS];
    size_t nvessels; /* in the order the file first names them */
} kn_scenario_t;

/* Fill sc with every default and no vessel. */
void kn_scenario_defaults(kn_scenario_t *sc);

/* Read the scenario file at path into *out (defaults first, then the file).
 * Returns 0, or KN_ECONFIG with "path:line: what is wrong" (or "path: why"
 * when no line is to blame, e.g. the file cannot be opened) in errbuf; *out
 * is then unspecified. */
int kn_scenario_load(const char *path, kn_scenario_t *out, char *errbuf, size_t errsize);

/* Berthing time of vessel i in ms since the Unix epoch. */
int64_t kn_scenario_berth_ms(const kn_scenario_t *sc, size_t i);

#endif
