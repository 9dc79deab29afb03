module resqflame/pprofworkload

go 1.19
