module github.com/xpt-pilot/xpt-kiosk

go 1.26
