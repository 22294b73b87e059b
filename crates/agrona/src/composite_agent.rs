//! [`CompositeAgent`]: several agents run as one (Agrona's `CompositeAgent`), for sharing a thread, as
//! the driver does in its shared threading mode.
//!
//! Invariants: `on_start`, `do_work` and `on_close` reach every agent in order; the work count is the sum;
//! if an agent's `do_work` returns a termination, the next duty cycle resumes with the agent after it.

use crate::agent::{Agent, AgentTermination};

/// Agents run in turn as a single agent.
///
/// How to drive it: build it from boxed agents and run it like any [`Agent`]. Its role name is the
/// members' names as `[a,b,c]`.
pub struct CompositeAgent {
    agents: Vec<Box<dyn Agent>>,
    role_name: String,
    agent_index: usize,
}

impl std::fmt::Debug for CompositeAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompositeAgent").field("role_name", &self.role_name).finish()
    }
}

impl CompositeAgent {
    /// Combines `agents` (run in this order).
    pub fn new(agents: Vec<Box<dyn Agent>>) -> Self {
        let names: Vec<&str> = agents.iter().map(|agent| agent.role_name()).collect();
        let role_name = format!("[{}]", names.join(","));
        Self { agents, role_name, agent_index: 0 }
    }

    /// The member agents.
    pub fn agents(&self) -> &[Box<dyn Agent>] {
        &self.agents
    }
}

impl Agent for CompositeAgent {
    fn role_name(&self) -> &str {
        &self.role_name
    }

    /// Starts every agent, even after one fails; returns the first failure.
    fn on_start(&mut self) -> Result<(), AgentTermination> {
        let mut first_error = None;
        for agent in &mut self.agents {
            if let Err(termination) = agent.on_start() {
                first_error.get_or_insert(termination);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    fn do_work(&mut self, now_ns: i64) -> Result<usize, AgentTermination> {
        let mut work_count = 0;
        while self.agent_index < self.agents.len() {
            let index = self.agent_index;
            self.agent_index += 1;
            work_count += self.agents[index].do_work(now_ns)?;
        }
        self.agent_index = 0;
        Ok(work_count)
    }

    fn on_close(&mut self) {
        for agent in &mut self.agents {
            agent.on_close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    struct Member {
        name: &'static str,
        work: usize,
        log: Arc<Mutex<Vec<String>>>,
        fail_at_ns: Option<i64>,
    }

    impl Agent for Member {
        fn role_name(&self) -> &str {
            self.name
        }
        fn on_start(&mut self) -> Result<(), AgentTermination> {
            self.log.lock().unwrap().push(format!("{}:start", self.name));
            Ok(())
        }
        fn do_work(&mut self, now_ns: i64) -> Result<usize, AgentTermination> {
            self.log.lock().unwrap().push(format!("{}:work@{now_ns}", self.name));
            if self.fail_at_ns == Some(now_ns) {
                return Err(AgentTermination::Fatal(self.name.into()));
            }
            Ok(self.work)
        }
        fn on_close(&mut self) {
            self.log.lock().unwrap().push(format!("{}:close", self.name));
        }
    }

    fn member(
        name: &'static str,
        work: usize,
        log: &Arc<Mutex<Vec<String>>>,
        fail_at_ns: Option<i64>,
    ) -> Box<dyn Agent> {
        Box::new(Member { name, work, log: Arc::clone(log), fail_at_ns })
    }

    #[test]
    fn sums_work_and_reaches_every_agent_in_order() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut composite = CompositeAgent::new(vec![
            member("a", 1, &log, None),
            member("b", 0, &log, None),
            member("c", 5, &log, None),
        ]);
        assert_eq!(composite.role_name(), "[a,b,c]");
        composite.on_start().unwrap();
        assert_eq!(composite.do_work(7), Ok(6));
        assert_eq!(composite.do_work(8), Ok(6));
        composite.on_close();
        assert_eq!(
            *log.lock().unwrap(),
            vec![
                "a:start", "b:start", "c:start", "a:work@7", "b:work@7", "c:work@7", "a:work@8", "b:work@8",
                "c:work@8", "a:close", "b:close", "c:close"
            ]
        );
    }

    #[test]
    fn failure_resumes_with_the_next_agent() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut composite = CompositeAgent::new(vec![
            member("a", 1, &log, None),
            member("b", 2, &log, Some(1)),
            member("c", 4, &log, None),
        ]);
        assert_eq!(composite.do_work(1), Err(AgentTermination::Fatal("b".into())));
        assert_eq!(composite.do_work(2), Ok(4), "only c runs to finish the interrupted cycle");
        assert_eq!(composite.do_work(3), Ok(7));
        assert_eq!(log.lock().unwrap()[..4], ["a:work@1", "b:work@1", "c:work@2", "a:work@3"]);
    }
}
