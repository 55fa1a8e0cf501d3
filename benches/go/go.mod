module gosync-benches/go

go 1.19
