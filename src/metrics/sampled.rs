//! Values read when Prometheus scrapes, from the counters and gauges the
//! components keep themselves (plain atomics, pool states): a collector
//! holds a closure that reads them, so components need no metrics types and
//! the request path pays nothing for them.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Unit;

/// One sample: the value of the label (when the metric has one) and the value.
pub type Sample = (&'static str, f64);

type Read = Box<dyn Fn() -> Vec<Sample> + Send + Sync>;

/// A counter or gauge read at scrape time, with at most one label. No
/// samples leave the metric out of the scrape.
pub struct Sampled {
    pub name: String,
    pub help: &'static str,
    pub unit: Option<Unit>,
    pub kind: MetricType,
    /// The label's name; unused when samples have none.
    pub label: Option<&'static str>,
    pub read: Read,
}

impl std::fmt::Debug for Sampled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

impl Collector for Sampled {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let samples = (self.read)();
        if samples.is_empty() {
            return Ok(());
        }
        let mut metric =
            encoder.encode_descriptor(&self.name, self.help, self.unit.as_ref(), self.kind)?;
        let Some(label) = self.label else {
            return encode_value(self.kind, samples[0].1, metric);
        };
        for (label_value, value) in samples {
            let labels = [(label, label_value)];
            encode_value(self.kind, value, metric.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

fn encode_value(
    kind: MetricType,
    value: f64,
    encoder: prometheus_client::encoding::MetricEncoder<'_>,
) -> Result<(), std::fmt::Error> {
    // Counts are written as integers, other values as they are.
    let whole = value.fract() == 0.0 && value.abs() < 9e15;
    match (kind, whole) {
        (MetricType::Counter, true) => ConstCounter::new(value as u64).encode(encoder),
        (MetricType::Counter, false) => ConstCounter::new(value).encode(encoder),
        (_, true) => ConstGauge::new(value as i64).encode(encoder),
        (_, false) => ConstGauge::new(value).encode(encoder),
    }
}
