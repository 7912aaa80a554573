//! `process_*`, the series every Prometheus client exports: CPU time,
//! resident and virtual memory, open and maximum file descriptors, threads
//! and start time, read from the kernel at each scrape (getrusage,
//! getrlimit, /proc/self). Names as in the Prometheus client guidelines, so
//! that standard dashboards and alerts work unchanged.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeGaugeValue, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Unit;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug)]
pub struct ProcessCollector {
    /// Seconds since the Unix epoch when the metrics were set up, at start.
    start_time: f64,
}

impl ProcessCollector {
    pub fn new() -> Self {
        let start_time = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or_default();
        ProcessCollector { start_time }
    }
}

impl Collector for ProcessCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        if let Some(seconds) = cpu_seconds() {
            let cpu = ConstCounter::new(seconds);
            cpu.encode(encoder.encode_descriptor(
                "process_cpu",
                "Total user and system CPU time spent in seconds.",
                Some(&Unit::Seconds),
                cpu.metric_type(),
            )?)?;
        }
        if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
            let kilobytes = |key: &str| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix(key))
                    .and_then(|rest| rest.split_whitespace().next())
                    .and_then(|v| v.parse::<i64>().ok())
            };
            if let Some(kb) = kilobytes("VmRSS:") {
                let help = "Resident memory size in bytes.";
                gauge(
                    &mut encoder,
                    "process_resident_memory",
                    help,
                    Some(Unit::Bytes),
                    kb * 1024,
                )?;
            }
            if let Some(kb) = kilobytes("VmSize:") {
                let help = "Virtual memory size in bytes.";
                gauge(
                    &mut encoder,
                    "process_virtual_memory",
                    help,
                    Some(Unit::Bytes),
                    kb * 1024,
                )?;
            }
            if let Some(threads) = kilobytes("Threads:") {
                gauge(
                    &mut encoder,
                    "process_threads",
                    "Number of OS threads.",
                    None,
                    threads,
                )?;
            }
        }
        if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
            // Less the descriptor read_dir itself holds open.
            let open = fds.count().saturating_sub(1) as i64;
            let help = "Number of open file descriptors.";
            gauge(&mut encoder, "process_open_fds", help, None, open)?;
        }
        if let Some(max) = max_fds() {
            let help = "Maximum number of open file descriptors.";
            gauge(&mut encoder, "process_max_fds", help, None, max)?;
        }
        let help = "Start time of the process since unix epoch in seconds.";
        gauge(
            &mut encoder,
            "process_start_time",
            help,
            Some(Unit::Seconds),
            self.start_time,
        )
    }
}

fn gauge<N: EncodeGaugeValue + std::fmt::Debug>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<Unit>,
    value: N,
) -> Result<(), std::fmt::Error> {
    let gauge = ConstGauge::new(value);
    gauge.encode(encoder.encode_descriptor(name, help, unit.as_ref(), gauge.metric_type())?)
}

/// User and system CPU time of every thread, with microsecond resolution.
fn cpu_seconds() -> Option<f64> {
    // SAFETY: getrusage writes one rusage into the zeroed struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return None;
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Some(seconds(usage.ru_utime) + seconds(usage.ru_stime))
}

/// The soft limit on open files, if there is one.
fn max_fds() -> Option<i64> {
    // SAFETY: getrlimit writes one rlimit into the zeroed struct it is given.
    let mut limit: libc::rlimit = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0
        || limit.rlim_cur == libc::RLIM_INFINITY
    {
        return None;
    }
    i64::try_from(limit.rlim_cur).ok()
}
