package dev.facepipe.fetch;

/**
 * How many tasks a fetch is cut into (and a recrawl's schedule into buckets). A fetch task waits on
 * politeness, not on a core: it keeps fetch.hosts_at_once hosts in flight, so a task per core already
 * keeps every host busy, and more tasks than cores only wait behind each other, each wave as long as
 * its slowest host. More tasks only where the list is long: at most urlsPerTask URLs a task (a task
 * holds its rows in memory until it ends, and a lost executor costs one task's work); never more
 * tasks than hosts (a host belongs to one task).
 */
record FetchPlan(int partitions) {
    static FetchPlan of(int configured, long urls, long hosts, int slots, long urlsPerTask) {
        if (configured > 0) return new FetchPlan(configured);
        long byUrls = (urls + urlsPerTask - 1) / Math.max(1, urlsPerTask);
        long p = Math.max(slots, byUrls);
        return new FetchPlan((int) Math.max(1, Math.min(Math.min(p, Math.max(1, hosts)), Integer.MAX_VALUE)));
    }
}
