//! Each timer fires exactly once: on every member a timer fires at most once and only after the log
//! entry that scheduled it; after the liveness phase, every timer the final leader's service scheduled
//! at or before the "due" position has fired on it (unless the schedule request was refused, which the
//! service counts).

use std::collections::BTreeSet;

use super::{Invariant, Observation};

/// Per member, the timers seen firing.
#[derive(Debug)]
pub struct TimersFireOnce {
    fired: Vec<BTreeSet<i64>>,
    cursor: Vec<usize>,
}

impl TimersFireOnce {
    /// For `node_count` members.
    pub fn new(node_count: usize) -> Self {
        Self { fired: vec![BTreeSet::new(); node_count], cursor: vec![0; node_count] }
    }
}

impl Invariant for TimersFireOnce {
    fn name(&self) -> &'static str {
        "timers_fire_once"
    }

    fn check(&mut self, observation: &Observation<'_>) -> Result<(), String> {
        for (node, record) in observation.records.iter().enumerate() {
            for &(correlation_id, position) in &record.timers_fired[self.cursor[node]..] {
                if !record.timers_scheduled.contains_key(&correlation_id) {
                    return Err(format!(
                        "node {node}: timer {correlation_id} fired at {position} unscheduled"
                    ));
                }
                if !self.fired[node].insert(correlation_id) {
                    return Err(format!(
                        "node {node}: timer {correlation_id} fired twice (again at {position})"
                    ));
                }
            }
            self.cursor[node] = record.timers_fired.len();
        }
        Ok(())
    }

    fn check_final(&mut self, observation: &Observation<'_>) -> Result<(), String> {
        self.check(observation)?;
        let Some(leader) = observation.final_leader else {
            return Err("no final leader".into());
        };
        let record = observation.records[leader];
        if record.timer_schedule_refusals > 0 {
            return Ok(());
        }
        for (&correlation_id, &scheduled_at) in &record.timers_scheduled {
            if scheduled_at <= observation.timers_due_position
                && !self.fired[leader].contains(&correlation_id)
            {
                return Err(format!(
                    "final leader {leader}: timer {correlation_id} scheduled at {scheduled_at} never fired \
                     (applied up to {})",
                    record.last_position()
                ));
            }
        }
        Ok(())
    }
}
