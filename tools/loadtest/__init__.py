"""Load tests: JMeter runs and their JTL figures, production-like request samples, worker/thread sizing."""
