"""What a running process needs: log lines, metrics, a ticking thread, the master key."""
